// Hands a call's fact from the replica whose consumer took it to the replica that owns the
// campaign, over core NATS request/reply (one hop on the cluster, no extra stream): the owner
// subscribes to its campaigns' subjects while it holds them.

import { ErrorCode, type NatsConnection, type NatsError } from 'nats';
import type { CallFact, FactRelay } from '../../use-cases/engine-deps.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const HANDLED = encoder.encode('{}');

export class NatsFactRelay implements FactRelay {
  constructor(
    private readonly nc: NatsConnection,
    /** Subject prefix, e.g. `dialer` (tests use a unique one): `<prefix>.facts.<campaign>`. */
    private readonly prefix: string,
    private readonly timeoutMs = 2_000,
  ) {}

  private subject(campaignId: string): string {
    return `${this.prefix}.facts.${campaignId}`;
  }

  serve(campaignId: string, handle: (fact: CallFact) => Promise<void>): () => void {
    const subscription = this.nc.subscribe(this.subject(campaignId), {
      callback: (error, msg) => {
        if (error) return;
        const parsed = JSON.parse(decoder.decode(msg.data)) as CallFact & { at: string };
        handle({ ...parsed, at: new Date(parsed.at) }).then(
          () => msg.respond(HANDLED),
          (failure: unknown) =>
            msg.respond(encoder.encode(JSON.stringify({ error: (failure as Error).message ?? String(failure) }))),
        );
      },
    });
    return () => subscription.unsubscribe();
  }

  async forward(fact: CallFact): Promise<'handled' | 'no-owner'> {
    let reply;
    try {
      reply = await this.nc.request(this.subject(fact.campaignId), encoder.encode(JSON.stringify(fact)), {
        timeout: this.timeoutMs,
      });
    } catch (error) {
      if ((error as NatsError).code === (ErrorCode.NoResponders as string)) return 'no-owner';
      throw error;
    }
    const answer = JSON.parse(decoder.decode(reply.data)) as { error?: string };
    if (answer.error !== undefined) throw new Error(`the campaign's owner failed on the fact: ${answer.error}`);
    return 'handled';
  }
}

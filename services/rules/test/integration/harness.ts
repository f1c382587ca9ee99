import { createHash } from 'node:crypto';
import { Bus, events, type ConsumerHandle, type PayloadOf } from '@outbound/bus';
import { Channel, Rule, RuleServiceClient } from '@outbound/proto/outbound/v1/rules';
import { Metadata, createClient, unary } from '@outbound/rpc';
import { createPool } from '@outbound/store';
import { createLogger, type Logger } from '@outbound/telemetry';
import { testUrls, uniqueName } from '@outbound/testkit';
import { createApp, type App, type AppDeps } from '../../src/app.js';
import type { LeadStub } from './lead-stub.js';

export const HTTP_TOKEN = 'webhook-token-for-tests';
export const REVEAL_TOKEN = 'reveal-token';

export const silent: Logger = createLogger({ service: 'rules-test', level: 'silent' });

/** A clock the tests move forward (timers fall due without waiting). */
export class TestClock {
  offsetMs = 0;
  now = () => Date.now() + this.offsetMs;
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface RulesHarness {
  app: App;
  client: RuleServiceClient;
  httpBase: string;
  schema: string;
  stop(): Promise<void>;
}

export function baseDeps(stub: LeadStub, overrides: Partial<AppDeps> = {}): AppDeps {
  return {
    logger: silent,
    databaseUrl: testUrls.database,
    natsUrl: testUrls.nats,
    schema: uniqueName('rules').toLowerCase(),
    grpcAddress: '127.0.0.1:0',
    httpAddress: '127.0.0.1:0',
    leadIngestAddress: stub.address,
    leadDirectoryOptions: { revealToken: REVEAL_TOKEN },
    durablePrefix: uniqueName('rules'),
    deliverFrom: 'new',
    defaultTimeZone: 'Asia/Shanghai',
    hardCapPerDay: 20,
    activeRulesTtlMs: 100,
    schedulerPollMs: 50,
    schedulerBatch: 50,
    shutdownGraceMs: 2_000,
    httpTokenHashes: [createHash('sha256').update(HTTP_TOKEN).digest()],
    ...overrides,
  };
}

export async function startRules(deps: AppDeps): Promise<RulesHarness> {
  const app = createApp(deps);
  const { port, httpPort } = await app.start();
  const client = createClient(RuleServiceClient, `127.0.0.1:${port}`, { defaultDeadlineMs: 20_000 });
  return {
    app,
    client,
    httpBase: `http://127.0.0.1:${httpPort}`,
    schema: deps.schema!,
    stop: async () => {
      client.close();
      await app.stop();
    },
  };
}

/** Promise form of one RuleService call. */
export function call<Req, Res>(
  client: RuleServiceClient,
  method: (req: Req, md: Metadata, opts: object, cb: (e: Error | null, r: Res) => void) => unknown,
  request: Req,
): Promise<Res> {
  return unary(method as never, client, request, new Metadata());
}

type CallTask = PayloadOf<typeof events.callTask>;
type SmsTask = PayloadOf<typeof events.smsTask>;

/** Tasks as stored in the TASKS stream for one campaign (JetStream de-duplicated), read by a durable of our own. */
export class TaskCollector {
  readonly calls: Array<{ id: string; data: CallTask }> = [];
  readonly sms: Array<{ id: string; data: SmsTask }> = [];
  private handles: ConsumerHandle[] = [];
  private durables: string[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly campaignId: string,
  ) {}

  async start(): Promise<this> {
    const callDurable = uniqueName('collect_call');
    const smsDurable = uniqueName('collect_sms');
    this.durables = [callDurable, smsDurable];
    this.handles = [
      await this.bus.consume({
        event: events.callTask,
        durable: callDurable,
        filterSubject: events.callTask.subjectForKey(this.campaignId),
        handler: async ({ event }) => void this.calls.push({ id: event.id, data: event.data }),
      }),
      await this.bus.consume({
        event: events.smsTask,
        durable: smsDurable,
        filterSubject: events.smsTask.subjectForKey(this.campaignId),
        handler: async ({ event }) => void this.sms.push({ id: event.id, data: event.data }),
      }),
    ];
    return this;
  }

  async stop(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.stop()));
    for (const d of this.durables) await this.bus.manager.consumers.delete('TASKS', d).catch(() => undefined);
  }
}

export async function testBus(): Promise<Bus> {
  const bus = await Bus.connect({ url: testUrls.nats, name: 'rules-test', logger: silent });
  await bus.ensureStreams();
  return bus;
}

/** Remove what a test run left: the schema and the JetStream durables of its prefix. */
export async function cleanup(deps: AppDeps): Promise<void> {
  const pool = createPool({ url: deps.databaseUrl, applicationName: 'rules-test-cleanup' });
  try {
    await pool.query(`DROP SCHEMA IF EXISTS ${deps.schema!} CASCADE`);
  } finally {
    await pool.end();
  }
  const bus = await testBus();
  try {
    for (const stream of ['LEADS', 'ATTEMPTS', 'CALLS', 'COMPLIANCE', 'TASKS']) {
      const names: string[] = [];
      for await (const info of bus.manager.consumers.list(stream)) names.push(info.name);
      for (const name of names.filter((n) => n.startsWith(`${deps.durablePrefix}-`)))
        await bus.manager.consumers.delete(stream, name).catch(() => undefined);
    }
  } finally {
    await bus.close();
  }
}

/** A rule with proto3 defaults for what is not given; calls unless said otherwise. */
export function rule(partial: Partial<Rule> & Pick<Rule, 'ruleId' | 'kind'>): Rule {
  return Rule.fromPartial({ channel: Channel.CHANNEL_CALL, ...partial });
}

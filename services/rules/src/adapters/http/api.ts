// The HTTP edge: POST /v1/events/webhook (activities from shops and CRMs, e.g. an abandoned cart:
// published as leads.activity with the caller's event id as Nats-Msg-Id, so a retried post is one
// event), POST /v1/sms/status (the SMS provider's delivery-status callback), GET /healthz.
// Bearer tokens are checked against their SHA-256; none configured refuses every post.

import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { events } from '@outbound/bus';
import type { Logger } from '@outbound/telemetry';
import { z } from 'zod';
import type { EventPublisher } from '../../use-cases/ports.js';
import type { SmsSender } from '../../use-cases/send-sms.js';

export interface HttpApi {
  port: number;
  close(graceMs: number): Promise<void>;
}

export interface HttpDeps {
  bus: EventPublisher;
  sms?: SmsSender;
  /** SHA-256 of each accepted bearer token. */
  tokenHashes: readonly Buffer[];
  logger: Logger;
}

const MAX_BODY = 64 * 1024;
const token = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, _ or -');
const primitive = z.union([z.string().max(256), z.number(), z.boolean()]);

const webhookSchema = z.object({
  eventId: token,
  campaignId: token,
  leadId: token,
  name: token,
  fields: z
    .record(z.string().max(64), primitive)
    .refine((f) => Object.keys(f).length <= 64, 'at most 64 fields')
    .default({}),
});

const statusSchema = z
  .object({
    messageId: z.string().max(128).optional(),
    providerMessageId: z.string().max(256).optional(),
    status: z.enum(['sent', 'delivered', 'failed', 'undelivered']),
    error: z.string().max(300).optional(),
  })
  .refine((s) => s.messageId || s.providerMessageId, 'give messageId or providerMessageId');

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

function authorised(req: IncomingMessage, hashes: readonly Buffer[]): boolean {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match) return false;
  const digest = createHash('sha256').update(match[1]!.trim()).digest();
  return hashes.some((h) => h.length === digest.length && timingSafeEqual(h, digest));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'body too large');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw new HttpError(
    400,
    'invalid request',
    result.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', description: i.message })),
  );
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startHttpApi(address: string, deps: HttpDeps): Promise<HttpApi> {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/healthz') return send(res, 200, { ok: true });
    if (req.method !== 'POST') throw new HttpError(404, 'not found');
    if (url.pathname !== '/v1/events/webhook' && url.pathname !== '/v1/sms/status')
      throw new HttpError(404, 'not found');
    if (!authorised(req, deps.tokenHashes)) throw new HttpError(403, 'not allowed');
    const body = await readJson(req);
    if (url.pathname === '/v1/events/webhook') {
      const hook = parse(webhookSchema, body);
      const result = (await deps.bus.publish(
        events.leadActivity,
        { campaignId: hook.campaignId, leadId: hook.leadId, name: hook.name, fields: hook.fields },
        // The caller's event id, scoped to the campaign, as Nats-Msg-Id: a retried post is one event.
        { id: `webhook-${createHash('sha256').update(`${hook.campaignId}\u0000${hook.eventId}`).digest('base64url')}` },
      )) as { duplicate?: boolean };
      return send(res, 202, { accepted: true, duplicate: result?.duplicate ?? false });
    }
    const update = parse(statusSchema, body);
    if (!deps.sms) throw new HttpError(404, 'no SMS sender here');
    const known = await deps.sms.status(
      {
        ...(update.messageId ? { messageId: update.messageId } : {}),
        ...(update.providerMessageId ? { providerMessageId: update.providerMessageId } : {}),
      },
      update.status,
      update.error,
    );
    if (!known) throw new HttpError(404, 'unknown message');
    return send(res, 200, { recorded: true });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) send(res, error.status, { error: error.message, details: error.details });
      else {
        deps.logger.error({ err: error }, 'http request failed');
        send(res, 500, { error: 'internal error' });
      }
    });
  });
  const [host, portText] = splitAddress(address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(portText), host, () => resolve());
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : 0;
  deps.logger.info({ port }, 'HTTP API listening');
  return {
    port,
    close: (graceMs) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.closeAllConnections();
          resolve();
        }, graceMs);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

function splitAddress(address: string): [string, string] {
  const cut = address.lastIndexOf(':');
  return [address.slice(0, cut) || '0.0.0.0', address.slice(cut + 1)];
}

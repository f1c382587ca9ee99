import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { isDomainError, type ErrorKind } from '@outbound/errors';
import { readProtoJson, validateRequest } from '@outbound/rpc';
import { SpanKind, extractTraceContext, instrument, type Logger } from '@outbound/telemetry';
import { grantedPrincipal, type TokenGrant } from '../../domain/grants.js';
import type { LeadUpserter } from '../../use-cases/upsert-leads.js';
import { upsertSchema } from '../grpc/schemas.js';

export interface HttpApiDeps {
  upserter: LeadUpserter;
  /** Who may upsert (bearer tokens by SHA-256); none: every upsert is refused. */
  upsertGrants: readonly TokenGrant[];
  logger: Logger;
  /** Largest request body accepted (1000 leads fit well within the default). */
  maxBodyBytes?: number;
}

export interface HttpApi {
  readonly port: number;
  /** Stop taking requests (health answers 503 at once), let those in flight finish within `graceMs`, then close. */
  close(graceMs: number): Promise<void>;
}

const UPSERT_PATH = '/v1/leads:upsert';
const DEFAULT_MAX_BODY = 4 * 1024 * 1024;

/** An HTTP failure with what the caller may see: a status, a stable code and a message without personal data. */
class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly violations?: ReadonlyArray<{ field: string; description: string }>,
  ) {
    super(message);
  }
}

const STATUS_OF: Record<ErrorKind, number> = {
  invalid_argument: 400,
  failed_precondition: 400,
  not_found: 404,
  already_exists: 409,
  permission_denied: 403,
  resource_exhausted: 429,
  unavailable: 503,
  deadline_exceeded: 504,
  cancelled: 499,
  internal: 500,
};

/**
 * The HTTP face of lead-ingest for systems that speak webhooks rather than gRPC:
 * `POST /v1/leads:upsert` takes the gRPC `UpsertLeadsRequest` as proto3 JSON (each field by its
 * JSON name, `listId`, or its proto name, `list_id`; optional fields may be left out; an unknown
 * field is refused with 400 naming it) with `Authorization: Bearer <token>`, and answers the
 * `UpsertLeadsResponse` as JSON (no personal data in it). `GET /healthz` is for probes.
 */
export async function startHttpApi(address: string, deps: HttpApiDeps): Promise<HttpApi> {
  const maxBody = deps.maxBodyBytes ?? DEFAULT_MAX_BODY;
  let draining = false;
  const logger = deps.logger.child({ http: UPSERT_PATH });

  const handle = async (request: IncomingMessage, response: ServerResponse, path: string): Promise<void> => {
    if (path === '/healthz') {
      if (request.method !== 'GET' && request.method !== 'HEAD')
        throw new HttpFailure(405, 'METHOD_NOT_ALLOWED', 'use GET');
      return send(response, draining ? 503 : 200, { status: draining ? 'NOT_SERVING' : 'SERVING' });
    }
    if (path !== UPSERT_PATH)
      throw new HttpFailure(404, 'NOT_FOUND', `no such path; the upsert is POST ${UPSERT_PATH}`);
    if (request.method !== 'POST') throw new HttpFailure(405, 'METHOD_NOT_ALLOWED', 'use POST');
    if (draining) throw new HttpFailure(503, 'SHUTTING_DOWN', 'the service is shutting down; retry');
    const bearer = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!bearer) throw new HttpFailure(401, 'UNAUTHENTICATED', 'send Authorization: Bearer <token>');
    const principal = grantedPrincipal(deps.upsertGrants, bearer);
    if (!principal) throw new HttpFailure(403, 'UPSERT_DENIED', 'this token is not granted upserts (UPSERT_GRANTS)');
    if (!/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? ''))
      throw new HttpFailure(415, 'UNSUPPORTED_MEDIA_TYPE', 'send Content-Type: application/json');
    const body = await readBody(request, maxBody);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new HttpFailure(400, 'MALFORMED_JSON', 'the body is not valid JSON');
    }
    const command = validateRequest(upsertSchema, readProtoJson('outbound.v1.UpsertLeadsRequest', json));
    const aborted = new AbortController();
    response.once('close', () => {
      if (!response.writableFinished) aborted.abort();
    });
    const results = await deps.upserter.upsert(command, aborted.signal);
    logger.info(
      { principal, leads: command.leads.length, stored: results.filter((r) => r.leadId !== '').length },
      'upsert over HTTP',
    );
    send(response, 200, { results });
  };

  const server = createServer((request, response) => {
    // A server span continuing the caller's W3C trace (traceparent), as every gRPC call has.
    const parent = extractTraceContext(request.headers, headerGetter);
    const path = (request.url ?? '').split('?')[0] ?? '';
    instrument(
      `${request.method ?? 'GET'} ${path === UPSERT_PATH || path === '/healthz' ? path : '(other)'}`,
      { kind: SpanKind.SERVER, parent, attributes: { 'http.request.method': request.method ?? '' } },
      async (span) => {
        await handle(request, response, path);
        span.setAttribute('http.response.status_code', response.statusCode);
      },
    ).catch((error: unknown) => {
      const failure = toFailure(error);
      if (failure.status >= 500) logger.error({ err: error }, 'HTTP request failed');
      send(response, failure.status, {
        error: {
          code: failure.code,
          message: failure.message,
          ...(failure.violations ? { violations: failure.violations } : {}),
        },
      });
    });
  });
  // A slow or stuck client must not hold a socket (and a draining shutdown) forever.
  server.requestTimeout = 60_000;
  server.headersTimeout = 15_000;
  const [host, portText] = splitAddress(address);
  server.listen(Number(portText), host);
  await once(server, 'listening');
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : Number(portText);
  deps.logger.info({ port }, 'HTTP API listening');
  if (deps.upsertGrants.length === 0) deps.logger.warn('no UPSERT_GRANTS configured: every HTTP upsert is refused');

  return {
    port,
    async close(graceMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
    },
  };
}

const headerGetter = {
  get: (carrier: IncomingMessage['headers'], key: string) => {
    const value = carrier[key];
    return Array.isArray(value) ? value[0] : value;
  },
  keys: (carrier: IncomingMessage['headers']) => Object.keys(carrier),
};

function toFailure(error: unknown): HttpFailure {
  if (error instanceof HttpFailure) return error;
  if (isDomainError(error)) {
    const violations =
      'violations' in error
        ? (error.violations as ReadonlyArray<{ field: string; description: string }>).map(({ field, description }) => ({
            field,
            description,
          }))
        : undefined;
    // Domain messages are written for callers and hold no personal data; internal ones are not shown.
    const message = error.kind === 'internal' ? 'internal error' : error.message;
    return new HttpFailure(STATUS_OF[error.kind], error.reason, message, violations);
  }
  return new HttpFailure(500, 'INTERNAL', 'internal error');
}

async function readBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new HttpFailure(413, 'BODY_TOO_LARGE', `the body may be at most ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new HttpFailure(413, 'BODY_TOO_LARGE', `the body may be at most ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  try {
    return text.decode(bytes);
  } catch {
    throw new HttpFailure(400, 'MALFORMED_JSON', 'the body is not valid UTF-8');
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...(status === 405 ? { allow: 'GET, POST' } : {}),
    ...(status === 413 ? { connection: 'close' } : {}),
  });
  response.end(text);
}

function splitAddress(address: string): [string, string] {
  const cut = address.lastIndexOf(':');
  return [address.slice(0, cut).replace(/^\[|\]$/g, '') || '0.0.0.0', address.slice(cut + 1)];
}

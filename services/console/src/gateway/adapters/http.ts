// The gateway's HTTP edge: JSON routes, server-sent event streams and the built web app.

import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import type { HttpServerMetrics } from '@outbound/telemetry';
import { HttpError } from './backends.js';

export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string>,
  url: URL,
) => Promise<void>;

interface Route {
  readonly method: string;
  /** The template it was added with (`/api/campaigns/:id`): the metrics' route label. */
  readonly path: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: Handler): this {
    const names: string[] = [];
    const pattern = new RegExp(
      '^' +
        path.replace(/:([a-zA-Z]+)/g, (_, name: string) => {
          names.push(name);
          return '([^/]+)';
        }) +
        '$',
    );
    this.routes.push({ method, path, pattern, names, handler });
    return this;
  }

  match(
    method: string,
    pathname: string,
  ): { handler: Handler; params: Record<string, string>; route: string } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(pathname);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1]!)));
      return { handler: route.handler, params, route: route.path };
    }
    return undefined;
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, error: HttpError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, error.status, { error: error.code, message: error.message });
}

export async function readJson(req: IncomingMessage, limit = 1_000_000): Promise<unknown> {
  let size = 0;
  const parts: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, 'too_large', 'request too large');
    parts.push(chunk);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'invalid_input', 'the request body is not JSON');
  }
}

/** A server-sent event stream; a comment every 15 s keeps proxies from closing it. */
export function openSse(req: IncomingMessage, res: ServerResponse, onClose: () => void) {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 1000\n\n');
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    onClose();
  };
  req.on('close', close);
  return {
    send(event: string, data: unknown): void {
      if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end(): void {
      close();
      res.end();
    },
  };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

/** The built web app; unknown paths get index.html (the app routes by hash). */
export function serveStatic(webDir: string, pathname: string, res: ServerResponse): void {
  const clean = normalize(pathname).replace(/^(\.\.[/\\])+/, '');
  let file = join(webDir, clean);
  if (!file.startsWith(webDir) || !existsSync(file) || statSync(file).isDirectory()) file = join(webDir, 'index.html');
  if (!existsSync(file)) {
    res
      .writeHead(404, { 'content-type': 'text/plain' })
      .end('the web app is not built (npm run build -w services/console)');
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': file.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  createReadStream(file).pipe(res);
}

export function startHttp(
  router: Router,
  webDir: string,
  onUnexpected: (error: unknown) => void,
  metrics?: HttpServerMetrics,
): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://console.local');
    const method = req.method ?? 'GET';
    const match = url.pathname.startsWith('/api/') ? router.match(method, url.pathname) : undefined;
    if (metrics) {
      const startedAt = performance.now();
      // Unknown paths are one label: a path as typed would carry ids into the series.
      const route = match?.route ?? (url.pathname.startsWith('/api/') ? 'unmatched' : 'static');
      res.once('close', () => metrics.record(method, route, res.statusCode, (performance.now() - startedAt) / 1000));
    }
    if (!url.pathname.startsWith('/api/')) {
      serveStatic(webDir, url.pathname, res);
      return;
    }
    if (!match) {
      sendError(res, new HttpError(404, 'not_found', 'no such endpoint'));
      return;
    }
    match.handler(req, res, match.params, url).catch((error: unknown) => {
      if (error instanceof HttpError) sendError(res, error);
      else {
        onUnexpected(error);
        sendError(res, new HttpError(500, 'internal', 'the gateway failed; see its log'));
      }
    });
  });
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

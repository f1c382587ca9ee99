// Composes the gateway: backends, use cases, and the routes each role may use.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Bus } from '@outbound/bus';
import { HttpServerMetrics, type Logger, type Meter } from '@outbound/telemetry';
import { maskPhone } from '@outbound/phone/mask';
import { z } from 'zod';
import type { DecisionDto, Me } from '../shared/dto.js';
import { HttpError, call, createBackends } from './adapters/backends.js';
import { Router, openSse, parseCookies, readJson, sendJson, startHttp } from './adapters/http.js';
import { GROUPS, type GroupBy } from './domain/report.js';
import {
  checkPassword,
  decodeSession,
  encodeSession,
  may,
  type Permission,
  type Session,
  type User,
} from './domain/session.js';
import { createAudit } from './use-cases/audit.js';
import { createBoards } from './use-cases/board.js';
import { createCampaignInput, createCampaignUseCases, type Action } from './use-cases/campaigns.js';
import { createDeskUseCases, dispositionInput } from './use-cases/desk.js';
import { createLeadUseCases } from './use-cases/leads.js';
import { createReports } from './use-cases/reports.js';
import { createTranscriptFeed } from './use-cases/transcripts.js';

export interface ConsoleConfig {
  readonly httpAddress: string;
  readonly dialerAddress: string;
  readonly leadIngestAddress: string;
  readonly complianceAddress: string;
  /** With natsUrl: transcripts pushed to desks and wallboards. */
  readonly recordingAddress?: string;
  readonly natsUrl?: string;
  readonly users: readonly User[];
  readonly sessionSecret: string;
  readonly sessionTtlMs: number;
  readonly webDir: string;
  readonly boardFlushMs: number;
  readonly amdFalsePositiveShare: number;
  /** Send the session cookie with `Secure` (behind TLS). */
  readonly secureCookies: boolean;
}

const COOKIE = 'console_session';

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new HttpError(
      400,
      'invalid_input',
      result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  return result.data;
}

/** `meter`: where the gateway's HTTP and gRPC client metrics go (none: not recorded). */
export async function startConsole(config: ConsoleConfig, logger: Logger, meter?: Meter) {
  const backends = createBackends(
    {
      dialer: config.dialerAddress,
      leadIngest: config.leadIngestAddress,
      compliance: config.complianceAddress,
      ...(config.recordingAddress ? { recording: config.recordingAddress } : {}),
    },
    meter,
  );
  const onBreak = (what: string, error?: Error) =>
    logger.warn({ stream: what, reason: error?.message }, 'live stream broke; opening it again');
  const audit = createAudit(backends);
  const campaigns = createCampaignUseCases(backends, onBreak);
  const desk = createDeskUseCases(backends, campaigns, audit, onBreak);
  const boards = createBoards(backends, desk, { flushMs: config.boardFlushMs, relistMs: 10_000 }, (error) =>
    logger.warn({ err: error }, 'listing agents failed'),
  );
  const leads = createLeadUseCases(backends);
  const reports = createReports(campaigns, audit, { amdFalsePositiveShare: config.amdFalsePositiveShare });
  const users = new Map(config.users.map((u) => [u.username, u]));
  const bus =
    config.natsUrl && backends.recording
      ? await Bus.connect({ url: config.natsUrl, name: 'console', logger, ...(meter ? { meter } : {}) })
      : undefined;
  const transcripts =
    bus && backends.recording
      ? createTranscriptFeed({ bus, recording: backends.recording, instance: randomUUID().slice(0, 8) })
      : undefined;
  await transcripts?.start();

  const sessionOf = (req: IncomingMessage): Session => {
    const check = decodeSession(parseCookies(req.headers.cookie)[COOKIE], config.sessionSecret, Date.now());
    if (check.ok) return check.session;
    if (check.reason === 'expired') throw new HttpError(401, 'session_expired', 'your session expired; sign in again');
    throw new HttpError(401, 'signed_out', 'sign in first');
  };
  const guard = (permission: Permission, req: IncomingMessage): Session => {
    const session = sessionOf(req);
    if (!may(session, permission)) throw new HttpError(403, 'forbidden', 'your role may not do this');
    return session;
  };
  const cookie = (value: string, maxAgeS: number) =>
    `${COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${config.secureCookies ? '; Secure' : ''}`;
  const campaignList = (url: URL) => (url.searchParams.get('campaigns') ?? '').split(',').filter((s) => s.length > 0);
  const groupBy = (url: URL): GroupBy => {
    const by = url.searchParams.get('by') ?? 'campaign';
    if (!(GROUPS as readonly string[]).includes(by))
      throw new HttpError(400, 'invalid_input', `by must be one of ${GROUPS.join(', ')}`);
    return by as GroupBy;
  };

  const router = new Router()
    // --- probes: the gateway answers (its backends have their own; a lost one shows in the page)
    .add('GET', '/healthz', async (_req, res) => sendJson(res, 200, { status: 'SERVING' }))
    // --- sign-in
    .add('POST', '/api/session', async (req, res) => {
      const body = parse(
        z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) }),
        await readJson(req),
      );
      const user = users.get(body.username);
      // Same answer (and the same hashing work) for an unknown user and a wrong password.
      const ok = checkPassword(body.password, user?.passwordHash ?? 'scrypt$AAAAAAAAAAAAAAAAAAAAAA==$AAAA');
      if (!user || !ok) throw new HttpError(401, 'bad_credentials', 'wrong user name or password');
      const session: Session = {
        username: user.username,
        role: user.role,
        ...(user.agentId ? { agentId: user.agentId } : {}),
        reveal: user.reveal ?? false,
        expiresAt: Date.now() + config.sessionTtlMs,
      };
      logger.info({ user: user.username, role: user.role }, 'signed in');
      sendJson(res, 200, session satisfies Me, {
        'set-cookie': cookie(encodeSession(session, config.sessionSecret), Math.ceil(config.sessionTtlMs / 1000)),
      });
    })
    .add('GET', '/api/session', async (req, res) => sendJson(res, 200, sessionOf(req) satisfies Me))
    .add('DELETE', '/api/session', async (_req, res) => sendJson(res, 200, {}, { 'set-cookie': cookie('', 0) }))
    // --- campaigns
    .add('GET', '/api/campaigns', async (req, res) => {
      const session = sessionOf(req);
      const all = await campaigns.list();
      sendJson(
        res,
        200,
        session.role === 'agent' ? all.filter((c) => c.state === 'running' || c.state === 'paused') : all,
      );
    })
    .add('POST', '/api/campaigns', async (req, res) => {
      const session = guard('createCampaigns', req);
      const input = parse(createCampaignInput, await readJson(req));
      const created = await campaigns.create(input);
      await audit(session, 'created', `campaign:${created.campaignId}`);
      sendJson(res, 201, created);
    })
    // --- leads
    .add('POST', '/api/campaigns/:id/leads', async (req, res, params, url) => {
      const session = guard('uploadLeads', req);
      const campaign = await campaigns.get(params['id']!);
      const listId = campaign.leadLists[0]?.listId;
      if (!listId) throw new HttpError(409, 'changed_meanwhile', 'the campaign has no lead list');
      const result = await leads.importFile({
        listId,
        campaignId: campaign.campaignId,
        fileName: url.searchParams.get('fileName') ?? '',
        defaultRegion: url.searchParams.get('region') ?? 'CN',
        jobId: `console-${campaign.campaignId}-${Date.now().toString(36)}`,
        body: req as AsyncIterable<Buffer>,
      });
      logger.info({ user: session.username, jobId: result.jobId, accepted: result.rowsAccepted }, 'leads imported');
      sendJson(res, result.state === 'succeeded' ? 200 : 422, result);
    })
    .add('POST', '/api/campaigns/:id/:action', async (req, res, params) => {
      const session = guard('steerCampaigns', req);
      const action = params['action'] as Action;
      if (!['start', 'pause', 'resume', 'stop'].includes(action))
        throw new HttpError(404, 'not_found', 'no such action');
      const body = parse(z.object({ version: z.number().int().optional() }), await readJson(req));
      const updated = await campaigns.act(params['id']!, action, body.version);
      logger.info({ user: session.username, campaignId: updated.campaignId, action }, 'campaign steered');
      sendJson(res, 200, updated);
    })
    .add('GET', '/api/campaigns/:id/denials', async (req, res, params) => {
      guard('viewDenials', req);
      sendJson(res, 200, await campaigns.denials(params['id']!));
    })
    .add('GET', '/api/campaigns/:id/stream', async (req, res, params) => {
      guard('watchCampaigns', req);
      let unsubscribe = () => undefined as void;
      const sse = openSse(req, res, () => unsubscribe());
      const unwatch = campaigns.watch(params['id']!).subscribe({
        data: (figures) => sse.send('figures', figures),
        status: (state, message) => sse.send('link', { backend: 'dialer', state, message }),
      });
      const untranscribe = transcripts?.watchCampaign(params['id']!, (t) => sse.send('transcript', t));
      unsubscribe = () => {
        unwatch();
        untranscribe?.();
      };
    })
    .add('GET', '/api/campaigns/:id/agents/stream', async (req, res, params) => {
      guard('watchCampaigns', req);
      let unsubscribe = () => undefined as void;
      const sse = openSse(req, res, () => unsubscribe());
      unsubscribe = boards.subscribe(params['id']!, {
        batch: (batch) => sse.send('agents', batch),
        status: (state, message) => sse.send('link', { backend: 'dialer', state, message }),
      });
    })
    .add('GET', '/api/imports/:jobId/rejects.csv', async (req, res, params) => {
      const session = guard('export', req);
      const report = await leads.rejectReport(params['jobId']!);
      await audit(session, 'exported', `import:${params['jobId']!}`, { what: 'reject report' });
      res.writeHead(200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="rejects-${params['jobId']!}.csv"`,
      });
      res.end(report.csv);
    })
    // --- compliance: decisions about one number (shown masked), audited as a lookup
    .add('POST', '/api/compliance/decisions', async (req, res) => {
      const session = guard('viewDenials', req);
      const body = parse(z.object({ phone: z.string().min(5).max(40) }), await readJson(req));
      await audit(session, 'viewed', 'compliance:decisions', { phone: maskPhone(body.phone) });
      const reply = await call('compliance', backends.compliance, backends.compliance.listDecisions, {
        phone: body.phone,
        limit: 50,
      });
      sendJson(
        res,
        200,
        reply.decisions.map((d): DecisionDto => ({
          checkId: d.checkId,
          campaignId: d.campaignId,
          phone: d.maskedPhone,
          allowed: d.allowed,
          decidedAt: d.decidedAt ? d.decidedAt.seconds * 1000 : 0,
          denials: d.denials.map((x) => ({ code: x.code, text: x.text, rulePack: x.rulePack, data: x.data })),
          rulePacks: d.rulePacks,
        })),
      );
    })
    // --- agent desk
    .add('POST', '/api/desk/login', async (req, res) => {
      const session = guard('desk', req);
      const body = parse(z.object({ campaignIds: z.array(z.string().min(1)).min(1).max(50) }), await readJson(req));
      sendJson(res, 200, await desk.login(session, body.campaignIds));
    })
    .add('POST', '/api/desk/ready', async (req, res) => sendJson(res, 200, await desk.ready(guard('desk', req))))
    .add('POST', '/api/desk/logout', async (req, res) => sendJson(res, 200, await desk.logout(guard('desk', req))))
    .add('POST', '/api/desk/pause', async (req, res) => {
      const session = guard('desk', req);
      const body = parse(z.object({ reason: z.string() }), await readJson(req));
      sendJson(res, 200, await desk.pause(session, body.reason));
    })
    .add('POST', '/api/desk/accept', async (req, res) => {
      const session = guard('desk', req);
      const body = parse(z.object({ attemptId: z.string().min(1) }), await readJson(req));
      await desk.accept(session, body.attemptId);
      sendJson(res, 200, {});
    })
    .add('POST', '/api/desk/skip', async (req, res) => {
      const session = guard('desk', req);
      const body = parse(
        z.object({ attemptId: z.string().min(1), reason: z.string().max(200).default('') }),
        await readJson(req),
      );
      await desk.skip(session, body.attemptId, body.reason);
      sendJson(res, 200, {});
    })
    .add('POST', '/api/desk/disposition', async (req, res) => {
      const session = guard('desk', req);
      await desk.dispose(session, parse(dispositionInput, await readJson(req)));
      sendJson(res, 200, {});
    })
    .add('POST', '/api/desk/reveal', async (req, res) => {
      const session = guard('desk', req);
      const body = parse(z.object({ attemptId: z.string().min(1) }), await readJson(req));
      sendJson(res, 200, { phone: await desk.reveal(session, body.attemptId) });
    })
    .add('GET', '/api/desk/follow-ups', async (req, res, _p, url) => {
      const session = guard('desk', req);
      sendJson(res, 200, await desk.followUps(session, campaignList(url)));
    })
    .add('GET', '/api/desk/stream', async (req, res) => {
      const session = guard('desk', req);
      const agentId = desk.agentOf(session);
      let unsubscribe = () => undefined as void;
      const sse = openSse(req, res, () => unsubscribe());
      const unwatch = desk.watch(agentId).subscribe({
        data: (event) => sse.send('desk', event),
        status: (state, message) => sse.send('link', { backend: 'dialer', state, message }),
      });
      // Only the agent's own calls: the recording service names the agent who took each.
      const untranscribe = transcripts?.watchAgent(agentId, (t) => sse.send('transcript', t));
      unsubscribe = () => {
        unwatch();
        untranscribe?.();
      };
    })
    // --- reports
    .add('GET', '/api/reports', async (req, res, _p, url) => {
      const session = guard('reports', req);
      sendJson(res, 200, await reports.rows(session, campaignList(url), groupBy(url)));
    })
    .add('GET', '/api/reports.csv', async (req, res, _p, url) => {
      const session = guard('export', req);
      const by = groupBy(url);
      const text = await reports.csv(session, campaignList(url), by);
      res.writeHead(200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="report-by-${by}.csv"`,
      });
      // A BOM so spreadsheet programs read Chinese text.
      res.end(`\uFEFF${text}`);
    });

  const server = startHttp(
    router,
    config.webDir,
    (error) => logger.error({ err: error }, 'request failed'),
    meter ? new HttpServerMetrics(meter) : undefined,
  );
  const [host, port] = splitAddress(config.httpAddress);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;

  return {
    port: address.port,
    url: `http://${address.address}:${address.port}/`,
    async stop(): Promise<void> {
      campaigns.close();
      desk.close();
      boards.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await transcripts?.stop();
      await bus?.close();
      backends.close();
    },
  };
}

function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}

export type { ServerResponse };

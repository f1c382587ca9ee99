// Supervisors' campaign work: list, create, steer (guarded by the version the page last saw),
// watch, and what compliance denied.

import {
  AttemptOutcome,
  CampaignState,
  DialMode,
  MachineAction,
  type Attempt,
  type AttemptTally,
  type Campaign,
  type SummarizeAttemptsRequest,
  type WatchCampaignResponse,
} from '@outbound/proto/outbound/v1/campaign';
import { Metadata } from '@outbound/rpc';
import { z } from 'zod';
import type { CampaignDto, DenialDto, FiguresDto } from '../../shared/dto.js';
import { HttpError, call, type Backends } from '../adapters/backends.js';
import { ms, toCampaign, toFigures } from '../domain/convert.js';
import { LiveFeed, type Upstream } from './live-feed.js';

const MODES = {
  preview: DialMode.DIAL_MODE_PREVIEW,
  progressive: DialMode.DIAL_MODE_PROGRESSIVE,
  predictive: DialMode.DIAL_MODE_PREDICTIVE,
  agentless: DialMode.DIAL_MODE_AGENTLESS,
} as const;

export const createCampaignInput = z.object({
  campaignId: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only')
    .optional(),
  name: z.string().min(1).max(200),
  dialMode: z.enum(['preview', 'progressive', 'predictive', 'agentless']),
  listId: z.string().min(1).max(200),
  startHour: z.number().int().min(0).max(23).default(9),
  endHour: z.number().int().min(1).max(24).default(21),
  rulePacks: z.array(z.string().min(1)).max(20).default([]),
  /** Empty: a block of 20 development caller ids derived from the name (compliance caps each id's calls). */
  callerIds: z.array(z.string().min(1)).max(10_000).default([]),
  gateway: z.string().min(1).default('carrier1'),
  ratio: z.number().min(1).max(5).default(1.5),
  targetAbandonRate: z.number().min(0).max(0.1).default(0.03),
  /** Predictive: most calls ringing or waiting per logged-in agent (the dialer allows 1 to 6). */
  maxDialRatio: z.number().min(1).max(6).default(3),
  /** Predictive with AMD: the measured share of people AMD tags as machines (0: unknown). */
  amdHumanFalsePositiveRate: z.number().min(0).max(0.05).default(0),
  amd: z.boolean().default(true),
  script: z.string().max(20_000).default(''),
});
export type CreateCampaignInput = z.infer<typeof createCampaignInput>;

function callerIdBlock(seed: string): string[] {
  let hash = 2_166_136_261;
  for (const ch of seed) hash = Math.imul(hash ^ ch.charCodeAt(0), 16_777_619) >>> 0;
  return Array.from({ length: 20 }, (_, i) => `+86105${String(1_000_000 + ((hash + i) % 9_000_000))}`);
}

/** The denials page shows at most this many, the newest. */
export const DENIALS_SHOWN = 500;

export type Action = 'start' | 'pause' | 'resume' | 'stop';
const ALLOWED_FROM: Record<Action, readonly string[]> = {
  start: ['draft'],
  pause: ['running'],
  resume: ['paused'],
  stop: ['draft', 'running', 'paused'],
};

export function createCampaignUseCases(backends: Backends, onBreak: (what: string, error?: Error) => void) {
  const c = backends.campaigns;
  const feeds = new Map<string, LiveFeed<FiguresDto>>();

  async function list(): Promise<CampaignDto[]> {
    const out: CampaignDto[] = [];
    for (let pageToken = ''; ;) {
      const page = await call('dialer', c, c.listCampaigns, {
        page: { pageSize: 500, pageToken },
        state: CampaignState.CAMPAIGN_STATE_UNSPECIFIED,
      });
      out.push(...page.campaigns.map(toCampaign));
      pageToken = page.page?.nextPageToken ?? '';
      if (!pageToken) return out;
    }
  }

  async function get(campaignId: string): Promise<Campaign> {
    const reply = await call('dialer', c, c.getCampaign, { campaignId });
    if (!reply.campaign) throw new HttpError(404, 'not_found', 'no such campaign');
    return reply.campaign;
  }

  async function create(input: CreateCampaignInput): Promise<CampaignDto> {
    const mode = MODES[input.dialMode];
    const campaign: Campaign = {
      campaignId: input.campaignId ?? '',
      name: input.name,
      dialMode: mode,
      state: CampaignState.CAMPAIGN_STATE_UNSPECIFIED,
      leadLists: [{ listId: input.listId, tier: '', tags: [], region: '', intent: '', customFields: {} }],
      hours: { startHour: input.startHour, endHour: input.endHour, weekdays: [] },
      callerIds: input.callerIds.length > 0 ? input.callerIds : callerIdBlock(input.name),
      gateway: input.gateway,
      retryPolicy: undefined,
      machineAction: MachineAction.MACHINE_ACTION_HANG_UP,
      machineMessage: '',
      abandonMessage: 'silence_stream://1500',
      maxAttemptsPerLead: 3,
      preview: mode === DialMode.DIAL_MODE_PREVIEW ? { offerTimeoutMs: 60_000 } : undefined,
      progressive: mode === DialMode.DIAL_MODE_PROGRESSIVE ? { ratio: input.ratio } : undefined,
      predictive:
        mode === DialMode.DIAL_MODE_PREDICTIVE
          ? {
              targetAbandonRate: input.targetAbandonRate,
              maxDialRatio: input.maxDialRatio,
              amdHumanFalsePositiveRate: input.amdHumanFalsePositiveRate,
            }
          : undefined,
      agentless:
        mode === DialMode.DIAL_MODE_AGENTLESS
          ? { maxConcurrentCalls: 10, callsPerSecond: 2, prompt: 'silence_stream://1000', digitTimeoutMs: 8_000 }
          : undefined,
      requiredSkills: [],
      rulePacks: input.rulePacks,
      lineClass: 'standard',
      amd: input.amd,
      ringTimeoutMs: 25_000,
      script: input.script,
      createdAt: undefined,
      updatedAt: undefined,
      version: 0,
    };
    const reply = await call('dialer', c, c.createCampaign, { campaign });
    if (!reply.campaign) throw new HttpError(502, 'backend_error', 'dialer returned no campaign');
    return toCampaign(reply.campaign);
  }

  /**
   * A supervisor acts on what the page showed: when the campaign changed since (another
   * supervisor, the dialer finishing it), nothing is done and the page is told what it is now.
   */
  async function act(campaignId: string, action: Action, seenVersion: number | undefined): Promise<CampaignDto> {
    const now = toCampaign(await get(campaignId));
    if ((seenVersion !== undefined && now.version !== seenVersion) || !ALLOWED_FROM[action].includes(now.state)) {
      throw new HttpError(
        409,
        'changed_meanwhile',
        `campaign changed meanwhile: it is now ${now.state} (version ${now.version}); nothing was done`,
      );
    }
    const request = { campaignId };
    const reply =
      action === 'start'
        ? await call('dialer', c, c.startCampaign, request)
        : action === 'pause'
          ? await call('dialer', c, c.pauseCampaign, request)
          : action === 'resume'
            ? await call('dialer', c, c.resumeCampaign, request)
            : await call('dialer', c, c.stopCampaign, request);
    if (!reply.campaign) throw new HttpError(502, 'backend_error', 'dialer returned no campaign');
    return toCampaign(reply.campaign);
  }

  function watch(campaignId: string): LiveFeed<FiguresDto> {
    let feed = feeds.get(campaignId);
    if (!feed) {
      feed = new LiveFeed<FiguresDto>(
        () => {
          const stream = c.watchCampaign({ campaignId }, new Metadata(), { deadline: Number.POSITIVE_INFINITY });
          return mapUpstream(stream, (m: WatchCampaignResponse) => (m.figures ? toFigures(m.figures) : undefined));
        },
        { onBreak: (error) => onBreak('WatchCampaign', error) },
      );
      feeds.set(campaignId, feed);
    }
    return feed;
  }

  /** The campaign's attempts with a follow-up time that the agent took or disposed (the dialer filters). */
  async function followUps(campaignId: string, agentId: string): Promise<Attempt[]> {
    const out: Attempt[] = [];
    for (let pageToken = ''; ;) {
      const page = await call('dialer', c, c.listAttempts, {
        campaignId,
        leadId: '',
        page: { pageSize: 1000, pageToken },
        outcome: AttemptOutcome.ATTEMPT_OUTCOME_UNSPECIFIED,
        newestFirst: false,
        followUpsOfAgent: agentId,
      });
      out.push(...page.attempts);
      pageToken = page.page?.nextPageToken ?? '';
      if (!pageToken) return out;
    }
  }

  /** The dialer's report tallies (it counts in PostgreSQL; no attempt comes over the wire). */
  async function summarize(request: SummarizeAttemptsRequest): Promise<AttemptTally[]> {
    return (await call('dialer', c, c.summarizeAttempts, request)).tallies;
  }

  /** The newest DENIALS_SHOWN denied attempts, newest first: one page, whatever the campaign's size. */
  async function denials(campaignId: string): Promise<DenialDto[]> {
    const page = await call('dialer', c, c.listAttempts, {
      campaignId,
      leadId: '',
      page: { pageSize: DENIALS_SHOWN, pageToken: '' },
      outcome: AttemptOutcome.ATTEMPT_OUTCOME_DENIED,
      newestFirst: true,
      followUpsOfAgent: '',
    });
    return page.attempts.map((a) => ({
      attemptId: a.ref?.attemptId ?? '',
      leadId: a.ref?.leadId ?? '',
      at: ms(a.timeline?.checkedAt ?? a.timeline?.queuedAt),
      reasons: [...a.denialReasons],
      checkId: a.complianceCheckId,
    }));
  }

  return {
    list,
    get,
    create,
    act,
    watch,
    followUps,
    summarize,
    denials,
    close: () => feeds.forEach((f) => f.close()),
  };
}

/** A gRPC server stream seen through a mapping (messages mapped to undefined are dropped). */
export function mapUpstream<M, T>(
  stream: {
    on(event: string, listener: (...args: never[]) => void): unknown;
    cancel(): void;
  },
  map: (message: M) => T | undefined,
): Upstream<T> {
  return {
    on(event: 'data' | 'error' | 'end', listener: (arg: never) => void) {
      if (event === 'data')
        stream.on('data', (message: M) => {
          const mapped = map(message);
          if (mapped !== undefined) (listener as (m: T) => void)(mapped);
        });
      else stream.on(event, listener);
      return this;
    },
    cancel: () => stream.cancel(),
  };
}

export type CampaignUseCases = ReturnType<typeof createCampaignUseCases>;

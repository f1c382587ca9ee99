// Wiring for the local campaign of `scripts/run`: media's gRPC API for calls, JetStream calls.*
// events for outcomes, a live summary on stdout. Only this file does I/O.

import { Bus, events, type ConsumerHandle } from '@outbound/bus';
import { commonVars, loadConfigOrExit, vars } from '@outbound/config';
import {
  ComplianceServiceClient,
  DenyReason,
  denyReasonToJSON,
  DoNotCallKind,
  type AddDoNotCallRequest,
  type AddDoNotCallResponse,
  type CheckDialBatchRequest,
  type CheckDialBatchResponse,
  type SetCampaignPolicyRequest,
  type SetCampaignPolicyResponse,
} from '@outbound/proto/outbound/v1/compliance';
import { MediaServiceClient, type OriginateRequest, type OriginateResponse } from '@outbound/proto/outbound/v1/media';
import { Metadata, createClient, unary } from '@outbound/rpc';
import { createLogger, startTelemetry } from '@outbound/telemetry';
import { LocalCampaign, type CampaignSummary, type Lead } from './campaign.js';
import { importThroughLeadIngest } from './lead-list.js';

const config = loadConfigOrExit({
  natsUrl: commonVars.natsUrl,
  logLevel: commonVars.logLevel,
  otlpEndpoint: commonVars.otlpEndpoint,
  mediaAddress: ['MEDIA_ADDRESS', vars.string().default('127.0.0.1:50061')],
  complianceAddress: ['COMPLIANCE_ADDRESS', vars.string().default('127.0.0.1:50062')],
  agents: ['CAMPAIGN_AGENTS', vars.int(1, 500).default(5)],
  leads: ['CAMPAIGN_LEADS', vars.int(1, 100_000).default(80)],
  /** Seed of the synthetic lead list. Fresh by default: compliance's caps remember yesterday's numbers. */
  seed: ['CAMPAIGN_SEED', vars.int(0).default(() => Date.now() % 1_000_000_007)],
  gateway: ['CAMPAIGN_GATEWAY', vars.string().default('carrier1')],
  wrapUpMs: ['CAMPAIGN_WRAP_UP_MS', vars.durationMs().default(2_000)],
  maxCps: ['CAMPAIGN_MAX_CPS', vars.int(1, 1000).default(10)],
  channels: ['CAMPAIGN_CHANNELS', vars.int(1, 10_000).default(60)],
  /** Size of the campaign's pool of official caller IDs (caps allow one call per ID every 30 s). */
  callerIds: ['CAMPAIGN_CALLER_IDS', vars.int(1, 10_000).default(60)],
  /** lead-ingest's gRPC address: when set, the leads go through it (import, do-not-call, encryption). */
  leadIngestAddress: ['LEAD_INGEST_ADDRESS', vars.string().optional()],
  /** The bearer token lead-ingest's PII_REVEAL_GRANTS grants this campaign (to read the numbers it dials). */
  leadIngestRevealToken: ['LEAD_INGEST_REVEAL_TOKEN', vars.string().optional()],
  /** Every Nth synthetic number is put on compliance's internal do-not-call list first (0: none). */
  doNotCallEvery: ['CAMPAIGN_DNC_EVERY', vars.int(0).default(10)],
});
const telemetry = startTelemetry({ serviceName: 'local-campaign', otlpEndpoint: config.otlpEndpoint });
const logger = createLogger({ service: 'local-campaign', level: config.logLevel });
const campaignId = `local-${Date.now().toString(36)}`;

// Synthetic numbers from a seeded generator (same seed, same list), half Chinese mobiles and half
// New York numbers, so some are inside a legal calling window at any hour of the day.
function leadsFor(count: number, seed: number): Lead[] {
  let state = seed >>> 0 || 1;
  const next = () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  const digits = (n: number) => String(Math.floor(next() * 10 ** n)).padStart(n, '0');
  return Array.from({ length: count }, (_, i) => ({
    leadId: `lead-${i + 1}`,
    attemptId: `${campaignId}-a${i + 1}`,
    phone: i % 2 === 0 ? `+86139${digits(8)}` : `+1212${2 + Math.floor(next() * 8)}${digits(6)}`,
  }));
}

const media = createClient(MediaServiceClient, config.mediaAddress, { defaultDeadlineMs: 5_000 });
const compliance = createClient(ComplianceServiceClient, config.complianceAddress, { defaultDeadlineMs: 2_000 });
// The campaign's registered caller IDs, used least recently first.
const callerIds = Array.from({ length: config.callerIds }, (_, i) => `+86105${String(1_000_000 + i)}`);
let nextCallerId = 0;
const takeCallerId = (): string => callerIds[nextCallerId++ % callerIds.length]!;
await unary<SetCampaignPolicyRequest, SetCampaignPolicyResponse>(
  compliance.setCampaignPolicy,
  compliance,
  {
    campaignId,
    rulePacks: [],
    requireConsent: false,
    marketing: true,
    industry: 'general',
    agentGuaranteed: false,
    officialCallerIds: callerIds,
    actor: 'local-campaign',
  },
  new Metadata(),
);
const callerIdOf = new Map<string, string>();
const bus = await Bus.connect({ url: config.natsUrl, name: 'local-campaign', logger });
await bus.ensureStreams();

/**
 * The synthetic list as the campaign dials it: straight from the generator, or (with
 * LEAD_INGEST_ADDRESS) imported through lead-ingest after every Nth number was put on
 * compliance's do-not-call list, so those come back stored but not callable.
 */
async function campaignLeads(): Promise<Lead[]> {
  const generated = leadsFor(config.leads, config.seed);
  if (!config.leadIngestAddress) return generated;
  if (!config.leadIngestRevealToken)
    throw new Error(
      'LEAD_INGEST_REVEAL_TOKEN is required with LEAD_INGEST_ADDRESS (the campaign must read the numbers it dials)',
    );
  if (config.doNotCallEvery > 0) {
    for (const [i, lead] of generated.entries()) {
      if (i % config.doNotCallEvery !== 0) continue;
      await unary<AddDoNotCallRequest, AddDoNotCallResponse>(
        compliance.addDoNotCall,
        compliance,
        {
          phone: lead.phone,
          source: 'local-run',
          campaignId,
          kind: DoNotCallKind.DO_NOT_CALL_KIND_INTERNAL,
          actor: 'local-campaign',
        },
        new Metadata(),
      );
    }
  }
  const rows = generated.map((lead, i) => ({ name: `客户${i + 1}`, phone: lead.phone, externalId: lead.leadId }));
  const list = await importThroughLeadIngest(config.leadIngestAddress, config.leadIngestRevealToken, campaignId, rows);
  process.stdout.write(
    `lead-ingest: accepted ${list.accepted}, rejected ${list.rejected}, duplicate ${list.duplicate}; do-not-call at import ${list.barred}; callable ${list.callable.length}\n`,
  );
  return list.callable.map((lead, i) => ({
    leadId: lead.leadId,
    attemptId: `${campaignId}-a${i + 1}`,
    phone: lead.phone,
  }));
}

const leads = await campaignLeads();
const campaign = new LocalCampaign(
  leads,
  config.agents,
  {
    checkDial: async (leads) => {
      const request: CheckDialBatchRequest = {
        checks: leads.map((lead) => {
          const callerId = takeCallerId();
          callerIdOf.set(lead.leadId, callerId);
          return { campaignId, leadId: lead.leadId, phone: lead.phone, callerId, at: undefined, timeZoneOverride: '' };
        }),
      };
      const { decisions } = await unary<CheckDialBatchRequest, CheckDialBatchResponse>(
        compliance.checkDialBatch,
        compliance,
        request,
        new Metadata(),
      );
      return decisions.map((d) =>
        d.allowed
          ? { allowed: true as const, checkId: d.checkId }
          : {
              allowed: false as const,
              reasons: d.denials.map((x) =>
                x.reason === DenyReason.DENY_REASON_UNSPECIFIED
                  ? x.code
                  : denyReasonToJSON(x.reason).replace(/^DENY_REASON_/, ''),
              ),
            },
      );
    },
    originate: async (lead, complianceCheckId) => {
      const request: OriginateRequest = {
        attempt: { campaignId, leadId: lead.leadId, attemptId: lead.attemptId },
        destination: lead.phone,
        // The caller ID compliance approved for this very dial.
        callerId: callerIdOf.get(lead.leadId) ?? '',
        gateway: config.gateway,
        amd: false,
        ringTimeoutMs: 25_000,
        complianceCheckId,
      };
      return (await unary<OriginateRequest, OriginateResponse>(media.originate, media, request, new Metadata())).callId;
    },
    bridge: async (callId, agentEndpoint) => {
      await unary(media.bridge, media, { callId, agentEndpoint }, new Metadata());
    },
    hangup: async (callId, cause) => {
      await unary(media.hangup, media, { callId, cause }, new Metadata());
    },
    now: () => Date.now(),
    onError: (what, error) => logger.warn({ err: error, what }, 'media call failed'),
  },
  { abandonAfterMs: 2_000, wrapUpMs: config.wrapUpMs, channelCapacity: config.channels, maxCps: config.maxCps },
);

const consumers: ConsumerHandle[] = [
  await bus.consume({
    event: events.callAnswered,
    durable: `${campaignId}-answered`,
    filterSubject: events.callAnswered.subjectForKey(campaignId),
    handler: async ({ event }) => campaign.onAnswered(event.data.callId),
  }),
  await bus.consume({
    event: events.callHangup,
    durable: `${campaignId}-hangup`,
    filterSubject: events.callHangup.subjectForKey(campaignId),
    handler: async ({ event }) => campaign.onHangup(event.data.callId, event.data.cause),
  }),
];

function line(s: CampaignSummary): string {
  const occupancy = s.loggedInMs > 0 ? (100 * s.talkMs) / s.loggedInMs : 0;
  const failed =
    Object.entries(s.failedByCause)
      .map(([cause, n]) => `${cause}=${n}`)
      .join(' ') || '-';
  const denied =
    Object.entries(s.deniedByReason)
      .map(([reason, n]) => `${reason}=${n}`)
      .join(' ') || '-';
  return (
    `t=${(s.elapsedMs / 1000).toFixed(0).padStart(4)}s dialed=${s.dialed} ringing=${s.ringing} waiting=${s.waiting} talking=${s.talking} ` +
    `answered=${s.answered} connected=${s.connected} abandoned=${s.abandoned} agents(ready/talk/wrap)=${s.agentsReady}/${s.agentsTalking}/${s.agentsWrapUp} ` +
    `occupancy=${occupancy.toFixed(1)}% failed: ${failed} refused by compliance: ${s.denied} (${denied})${s.portErrors ? ` errors=${s.portErrors}` : ''}`
  );
}

process.stdout.write(
  `campaign ${campaignId}: ${leads.length} leads (seed ${config.seed}), ${config.agents} agents, predictive pacing\n`,
);
let stopping = false;
const tick = setInterval(() => campaign.tick(), 100);
const report = setInterval(() => process.stdout.write(`${line(campaign.summary())}\n`), 1_000);

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(tick);
  clearInterval(report);
  const summary = campaign.summary();
  process.stdout.write(`${line(summary)}\nfinal: ${JSON.stringify(summary)}\n`);
  await Promise.all(consumers.map((c) => c.stop()));
  await bus.close();
  media.close();
  compliance.close();
  await telemetry.shutdown();
  process.exit(code);
}

const done = setInterval(() => {
  if (campaign.finished) {
    clearInterval(done);
    void stop(0);
  }
}, 500);
process.once('SIGINT', () => void stop(130));
process.once('SIGTERM', () => void stop(143));

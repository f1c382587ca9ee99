// Wiring for the local campaign of `scripts/run`: media's gRPC API for calls, JetStream calls.*
// events for outcomes, a live summary on stdout. Only this file does I/O.

import { Bus, events, type ConsumerHandle } from '@outbound/bus';
import { commonVars, loadConfigOrExit, vars } from '@outbound/config';
import { MediaServiceClient, type OriginateRequest, type OriginateResponse } from '@outbound/proto/outbound/v1/media';
import { Metadata, createClient, unary } from '@outbound/rpc';
import { createLogger, startTelemetry } from '@outbound/telemetry';
import { LocalCampaign, type CampaignSummary, type Lead } from './campaign.js';

const config = loadConfigOrExit({
  natsUrl: commonVars.natsUrl,
  logLevel: commonVars.logLevel,
  otlpEndpoint: commonVars.otlpEndpoint,
  mediaAddress: ['MEDIA_ADDRESS', vars.string().default('127.0.0.1:50061')],
  agents: ['CAMPAIGN_AGENTS', vars.int(1, 500).default(5)],
  leads: ['CAMPAIGN_LEADS', vars.int(1, 100_000).default(80)],
  seed: ['CAMPAIGN_SEED', vars.int(0).default(1)],
  gateway: ['CAMPAIGN_GATEWAY', vars.string().default('carrier1')],
  wrapUpMs: ['CAMPAIGN_WRAP_UP_MS', vars.durationMs().default(2_000)],
  maxCps: ['CAMPAIGN_MAX_CPS', vars.int(1, 1000).default(10)],
  channels: ['CAMPAIGN_CHANNELS', vars.int(1, 10_000).default(60)],
});
const telemetry = startTelemetry({ serviceName: 'local-campaign', otlpEndpoint: config.otlpEndpoint });
const logger = createLogger({ service: 'local-campaign', level: config.logLevel });
const campaignId = `local-${Date.now().toString(36)}`;

// Synthetic mobile numbers from a seeded generator: same seed, same list.
function leadsFor(count: number, seed: number): Lead[] {
  let state = seed >>> 0 || 1;
  const next = () => ((state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32);
  return Array.from({ length: count }, (_, i) => ({
    leadId: `lead-${i + 1}`,
    attemptId: `${campaignId}-a${i + 1}`,
    phone: `+86139${String(Math.floor(next() * 1e8)).padStart(8, '0')}`,
  }));
}

const media = createClient(MediaServiceClient, config.mediaAddress, { defaultDeadlineMs: 5_000 });
const bus = await Bus.connect({ url: config.natsUrl, name: 'local-campaign', logger });
await bus.ensureStreams();

const campaign = new LocalCampaign(leadsFor(config.leads, config.seed), config.agents, {
  originate: async (lead) => {
    const request: OriginateRequest = {
      attempt: { campaignId, leadId: lead.leadId, attemptId: lead.attemptId },
      destination: lead.phone,
      callerId: '+861012345678',
      gateway: config.gateway,
      amd: false,
      ringTimeoutMs: 25_000,
      complianceCheckId: '',
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
}, { abandonAfterMs: 2_000, wrapUpMs: config.wrapUpMs, channelCapacity: config.channels, maxCps: config.maxCps });

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
  const failed = Object.entries(s.failedByCause).map(([cause, n]) => `${cause}=${n}`).join(' ') || '-';
  return `t=${(s.elapsedMs / 1000).toFixed(0).padStart(4)}s dialed=${s.dialed} ringing=${s.ringing} waiting=${s.waiting} talking=${s.talking} ` +
    `answered=${s.answered} connected=${s.connected} abandoned=${s.abandoned} agents(ready/talk/wrap)=${s.agentsReady}/${s.agentsTalking}/${s.agentsWrapUp} ` +
    `occupancy=${occupancy.toFixed(1)}% failed: ${failed}${s.portErrors ? ` errors=${s.portErrors}` : ''}`;
}

process.stdout.write(`campaign ${campaignId}: ${config.leads} leads, ${config.agents} agents, predictive pacing\n`);
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

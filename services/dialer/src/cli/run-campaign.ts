// The main job's driver (`scripts/run`), a client of the platform's public APIs only: puts every
// Nth synthetic number on compliance's do-not-call list, imports the leads through lead-ingest,
// creates and starts a campaign on the dialer over gRPC, prints its WatchCampaign figures live,
// stops it when its leads are done, and ends with a summary and one JSON line checked against
// switch-sim's ground truth.

import { readFileSync, existsSync } from 'node:fs';
import { commonVars, loadConfigOrExit, vars, z } from '@outbound/config';
import {
  AttemptOutcome,
  attemptOutcomeToJSON,
  CampaignServiceClient,
  CampaignState,
  campaignStateToJSON,
  DialMode,
  MachineAction,
  type Attempt,
  type Campaign,
  type CampaignFigures,
  type WatchCampaignResponse,
} from '@outbound/proto/outbound/v1/campaign';
import {
  ComplianceServiceClient,
  DoNotCallKind,
  type CheckDialRequest,
  type CheckDialResponse,
} from '@outbound/proto/outbound/v1/compliance';
import {
  ImportJobState,
  LeadServiceClient,
  LeadStatus,
  type ImportRequest,
  type ImportResponse,
} from '@outbound/proto/outbound/v1/lead';
import { Rule, RuleKind, RuleServiceClient } from '@outbound/proto/outbound/v1/rules';
import { Metadata, clientStream, createClient, unary } from '@outbound/rpc';
import { REGIONS, callingWindowProbe, openRegions, syntheticNumbers } from '@outbound/testkit';
import { connect } from 'nats';
import type { Timestamp } from '@outbound/proto/google/protobuf/timestamp';
import {
  deniedDialed,
  leadsDialedTwiceAtOnce,
  callsWithoutAttempt,
  matchGroundTruth,
  type RunAttempt,
  type TruthCall,
} from './run-report.js';

const MODES = {
  preview: DialMode.DIAL_MODE_PREVIEW,
  progressive: DialMode.DIAL_MODE_PROGRESSIVE,
  predictive: DialMode.DIAL_MODE_PREDICTIVE,
  agentless: DialMode.DIAL_MODE_AGENTLESS,
} as const;

const config = loadConfigOrExit({
  logLevel: commonVars.logLevel,
  // One replica, or several as a gRPC target (`ipv4:host:port,host:port`): followed through whichever answers.
  dialerAddress: ['DIALER_ADDRESS', vars.string().default('127.0.0.1:50064')],
  complianceAddress: ['COMPLIANCE_ADDRESS', vars.string().default('127.0.0.1:50062')],
  leadIngestAddress: ['LEAD_INGEST_ADDRESS', vars.string().default('127.0.0.1:50063')],
  mode: ['CAMPAIGN_MODE', vars.oneOf(['preview', 'progressive', 'predictive', 'agentless']).default('predictive')],
  leads: ['CAMPAIGN_LEADS', vars.int(1, 100_000).default(80)],
  /** Seed of the synthetic lead list. Fresh by default: compliance's caps remember numbers already called today. */
  seed: ['CAMPAIGN_SEED', vars.int(0).default(() => Date.now() % 1_000_000_007)],
  doNotCallEvery: ['CAMPAIGN_DNC_EVERY', vars.int(0).default(10)],
  /** Where the synthetic numbers are from, in turn. */
  regions: [
    'CAMPAIGN_REGIONS',
    vars
      .list()
      .pipe(z.array(z.enum(REGIONS, { error: 'each must be CN, US, GB or AU' })).min(1))
      .default([...REGIONS]),
  ],
  gateway: ['CAMPAIGN_GATEWAY', vars.string().default('carrier1')],
  callerIds: ['CAMPAIGN_CALLER_IDS', vars.int(1, 10_000).default(60)],
  amd: ['CAMPAIGN_AMD', vars.bool().default(true)],
  skills: ['CAMPAIGN_SKILLS', vars.list().default([])],
  /** The run ends at the latest after this long (then the campaign is stopped and calls finish). */
  maxRunMs: ['CAMPAIGN_MAX_RUN_MS', vars.durationMs().default(600_000)],
  groundTruthFile: ['GROUND_TRUTH_FILE', vars.string().optional()],
  /** The rules service: when set, the campaign's leads are scheduled by a published rule set (its tasks counted on NATS). */
  rulesAddress: ['RULES_ADDRESS', vars.string().optional()],
  natsUrl: commonVars.natsUrl,
  /** The id the campaign is created with (agent-sim logs its agents in to it). */
  campaignId: ['CAMPAIGN_ID', vars.string().default(() => `run-${Date.now().toString(36)}`)],
});

const campaignId = config.campaignId;
const dialer = createClient(CampaignServiceClient, config.dialerAddress, { defaultDeadlineMs: 10_000 });
const compliance = createClient(ComplianceServiceClient, config.complianceAddress, { defaultDeadlineMs: 10_000 });
const leadIngest = createClient(LeadServiceClient, config.leadIngestAddress, { defaultDeadlineMs: 120_000 });
const out = (line: string): boolean => process.stdout.write(`${line}\n`);

async function importLeads(numbers: readonly string[]): Promise<ImportResponse> {
  const csv = `姓名,手机,编号\n${numbers.map((phone, i) => `客户${i + 1},${phone},c${i + 1}`).join('\n')}\n`;
  const reply = await clientStream<ImportRequest, ImportResponse>(
    leadIngest.import,
    leadIngest,
    [
      {
        header: {
          listId: campaignId,
          campaignId,
          defaultRegion: 'CN',
          format: 'csv',
          fileName: `${campaignId}.csv`,
          columnMapping: {},
          encoding: '',
          sheetName: '',
          jobId: `${campaignId}-import`,
          delimiter: '',
          dedupByExternalId: false,
        },
      },
      { chunk: Buffer.from(csv) },
    ],
    new Metadata(),
  );
  if (reply.job?.state !== ImportJobState.IMPORT_JOB_STATE_SUCCEEDED)
    throw new Error(`lead import failed: ${reply.job?.failureReason ?? 'no job'}`);
  return reply;
}

function campaignSettings(callerIds: string[]): Campaign {
  const mode = MODES[config.mode];
  return {
    campaignId,
    name: `${config.mode} run ${campaignId}`,
    dialMode: mode,
    state: CampaignState.CAMPAIGN_STATE_UNSPECIFIED,
    leadLists: [{ listId: campaignId, tier: '', tags: [], region: '', intent: '', customFields: {} }],
    hours: { startHour: 0, endHour: 24, weekdays: [] },
    callerIds,
    gateway: config.gateway,
    retryPolicy: undefined,
    machineAction: MachineAction.MACHINE_ACTION_HANG_UP,
    machineMessage: '',
    abandonMessage: 'silence_stream://1500',
    maxAttemptsPerLead: 3,
    preview: mode === DialMode.DIAL_MODE_PREVIEW ? { offerTimeoutMs: 30_000 } : undefined,
    progressive: mode === DialMode.DIAL_MODE_PROGRESSIVE ? { ratio: 1.5 } : undefined,
    predictive:
      mode === DialMode.DIAL_MODE_PREDICTIVE
        ? { targetAbandonRate: 0.03, maxDialRatio: 3, amdHumanFalsePositiveRate: 0 }
        : undefined,
    agentless:
      mode === DialMode.DIAL_MODE_AGENTLESS
        ? { maxConcurrentCalls: 10, callsPerSecond: 2, prompt: 'silence_stream://1000', digitTimeoutMs: 8_000 }
        : undefined,
    requiredSkills: config.skills,
    rulePacks: [],
    lineClass: 'standard',
    amd: config.amd,
    ringTimeoutMs: 25_000,
    script: 'demo-script',
    createdAt: undefined,
    updatedAt: undefined,
    version: 0,
  };
}

const ms = (t: Timestamp | undefined): number | undefined =>
  t === undefined ? undefined : t.seconds * 1000 + Math.round(t.nanos / 1e6);

function toRunAttempt(a: Attempt): RunAttempt {
  const t = a.timeline;
  return {
    attemptId: a.ref?.attemptId ?? '',
    leadId: a.ref?.leadId ?? '',
    outcome: attemptOutcomeToJSON(a.outcome)
      .replace(/^ATTEMPT_OUTCOME_/, '')
      .toLowerCase(),
    callId: a.callId,
    hangupCause: a.hangupCause,
    complianceCheckId: a.complianceCheckId,
    denied: a.outcome === AttemptOutcome.ATTEMPT_OUTCOME_DENIED,
    amdVerdict: a.amdVerdict,
    originatedAtMs: ms(t?.originatedAt),
    answeredAtMs: ms(t?.answeredAt),
    bridgedAtMs: ms(t?.bridgedAt),
    endedAtMs: ms(t?.endedAt),
  };
}

async function allAttempts(): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  for (let pageToken = ''; ;) {
    const page = await unary(
      dialer.listAttempts,
      dialer,
      {
        campaignId,
        leadId: '',
        page: { pageSize: 1000, pageToken },
        outcome: 0,
        newestFirst: false,
        followUpsOfAgent: '',
      },
      new Metadata(),
    );
    attempts.push(...page.attempts);
    pageToken = page.page?.nextPageToken ?? '';
    if (!pageToken) return attempts;
  }
}

function line(f: CampaignFigures, elapsedMs: number): string {
  const denied =
    Object.entries(f.deniedByReason)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ') || '-';
  const failed =
    Object.entries(f.failedByCause)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ') || '-';
  const windows =
    f.abandonWindows
      .map((w) => `${w.rulePack}/${w.windowDays}d ${(100 * w.rate).toFixed(1)}% left ${w.budgetLeft}`)
      .join(', ') || '-';
  return (
    `t=${String(Math.round(elapsedMs / 1000)).padStart(4)}s ${campaignStateToJSON(f.state).replace('CAMPAIGN_STATE_', '').toLowerCase()} ` +
    `dialed=${f.dialed} ringing=${f.ringing} answered=${f.answered} connected=${f.connected} abandoned=${f.abandoned} ` +
    `(${(100 * f.abandonRate).toFixed(1)}%; ${windows}) machines=${f.machines} in-flight=${f.inFlight} hopper=${f.leadsInHopper} ` +
    `agents ready/talk/wrap/paused=${f.agentsReady}/${f.agentsTalking}/${f.agentsWrapUp}/${f.agentsPaused} ` +
    `occupancy=${(100 * f.occupancy).toFixed(1)}% ratio=${f.pacingRatio.toFixed(2)} failed: ${failed} denied: ${denied}`
  );
}

/**
 * Follows WatchCampaign until `done` says so, printing a line a second. A broken stream (the dialer
 * restarting) is followed again after a pause, for at most a minute without figures.
 */
async function watch(startedAt: number, done: (f: CampaignFigures) => boolean): Promise<CampaignFigures | undefined> {
  let last: CampaignFigures | undefined;
  let printedAt = 0;
  let lastFiguresAt = Date.now();
  for (;;) {
    const stream = dialer.watchCampaign({ campaignId }, new Metadata(), { deadline: Number.POSITIVE_INFINITY });
    try {
      for await (const message of stream as AsyncIterable<WatchCampaignResponse>) {
        const figures = message.figures;
        if (figures === undefined) continue;
        last = figures;
        lastFiguresAt = Date.now();
        if (Date.now() - printedAt >= 1_000) {
          printedAt = Date.now();
          out(line(figures, Date.now() - startedAt));
        }
        if (done(figures)) return last;
      }
    } catch (error) {
      if (Date.now() - lastFiguresAt > 60_000) throw error;
      out(`watch interrupted (${(error as Error).message.slice(0, 80)}); following again`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    } finally {
      stream.cancel();
    }
  }
}

/** The list's leads not on a do-not-call list (those are never dialed) that have no attempt. */
async function leadsNeverAttempted(attempted: ReadonlySet<string>): Promise<number> {
  let lost = 0;
  let pageToken = '';
  do {
    const page = await unary(
      leadIngest.listLeads,
      leadIngest,
      {
        listId: campaignId,
        tier: '',
        tags: [],
        region: '',
        status: LeadStatus.LEAD_STATUS_UNSPECIFIED,
        intent: '',
        customFields: {},
        page: { pageSize: 500, pageToken },
      },
      new Metadata(),
    );
    for (const lead of page.leads)
      if (lead.status !== LeadStatus.LEAD_STATUS_DO_NOT_CALL && !attempted.has(lead.leadId)) lost++;
    pageToken = page.page?.nextPageToken ?? '';
  } while (pageToken !== '');
  return lost;
}

/**
 * A rule set for the campaign, published at once: every lead ingested into its list gets a call
 * task, tier A leads first. Returns the count of tasks.call.<campaign> seen so far (core NATS).
 */
async function feedByRules(rulesAddress: string): Promise<{ tasks: () => number; close: () => Promise<void> }> {
  const rules = createClient(RuleServiceClient, rulesAddress, { defaultDeadlineMs: 10_000 });
  const nc = await connect({ servers: config.natsUrl, name: 'run-campaign' });
  let tasks = 0;
  const subscription = nc.subscribe(`tasks.call.${campaignId}`, { callback: () => void tasks++ });
  await unary(
    rules.createRuleSet,
    rules,
    {
      campaignId,
      listIds: [campaignId],
      scripts: [],
      publish: true,
      rules: [
        Rule.fromPartial({ ruleId: 'call-new-leads', kind: RuleKind.RULE_KIND_TRIGGER, on: ['leads.ingested'] }),
        Rule.fromPartial({
          ruleId: 'tier-a-first',
          kind: RuleKind.RULE_KIND_PRIORITY,
          when: 'lead.tier == "A"',
          priority: '90',
        }),
      ],
    },
    new Metadata(),
  );
  out('rules: a rule set calls every ingested lead, tier A first');
  return {
    tasks: () => tasks,
    close: async () => {
      subscription.unsubscribe();
      await nc.drain();
      rules.close();
    },
  };
}

async function main(): Promise<void> {
  // Numbers only from the regions whose calling window stays open for the run (the tests of the main
  // job run at any hour): at 04:30 UTC a Chinese, American or British number is refused.
  const now = Date.now();
  const probe = callingWindowProbe((request) =>
    unary<CheckDialRequest, CheckDialResponse>(compliance.checkDial, compliance, request, new Metadata()),
  );
  const regions = await openRegions(config.regions, probe, now, now + config.maxRunMs);
  out(`numbers from ${regions.join(', ')}`);
  const numbers = syntheticNumbers(config.leads, config.seed, regions);
  // A block of caller IDs of this run's own: compliance caps each ID's calls per day and their gap.
  let hash = 2_166_136_261;
  for (const ch of campaignId) hash = Math.imul(hash ^ ch.charCodeAt(0), 16_777_619) >>> 0;
  const first = 1_000_000 + (hash % 8_000_000);
  const callerIds = Array.from(
    { length: config.callerIds },
    (_, i) => `+86105${String(1_000_000 + ((first - 1_000_000 + i) % 9_000_000))}`,
  );
  if (config.doNotCallEvery > 0)
    for (let i = 0; i < numbers.length; i += config.doNotCallEvery)
      await unary(
        compliance.addDoNotCall,
        compliance,
        {
          phone: numbers[i]!,
          source: 'local-run',
          campaignId,
          kind: DoNotCallKind.DO_NOT_CALL_KIND_INTERNAL,
          actor: 'run-campaign',
        },
        new Metadata(),
      );
  const fedByRules = config.rulesAddress ? await feedByRules(config.rulesAddress) : undefined;
  const imported = await importLeads(numbers);
  out(
    `lead-ingest: accepted ${imported.job?.rowsAccepted ?? 0}, rejected ${imported.job?.rowsRejected ?? 0}, duplicate ${imported.job?.rowsDuplicate ?? 0}`,
  );
  await unary(dialer.createCampaign, dialer, { campaign: campaignSettings(callerIds) }, new Metadata());
  await unary(dialer.startCampaign, dialer, { campaignId }, new Metadata());
  out(`campaign ${campaignId}: ${config.mode}, ${numbers.length} leads (seed ${config.seed}), started`);

  const startedAt = Date.now();
  let idleSince = 0;
  // Done: finished, or nothing in flight and nothing due for 5 s after the first dial (the rest
  // wait for retries hours away), or out of time.
  await watch(startedAt, (f) => {
    if (f.state === CampaignState.CAMPAIGN_STATE_FINISHED) return true;
    if (Date.now() - startedAt > config.maxRunMs) return true;
    const idle = f.dialed > 0 && f.inFlight === 0 && f.leadsInHopper === 0;
    idleSince = idle ? idleSince || Date.now() : 0;
    return idleSince > 0 && Date.now() - idleSince > 5_000;
  });
  const stopped = await unary(dialer.getCampaign, dialer, { campaignId }, new Metadata());
  if (stopped.campaign?.state !== CampaignState.CAMPAIGN_STATE_FINISHED)
    await unary(dialer.stopCampaign, dialer, { campaignId }, new Metadata());
  // Calls in flight finish after a stop; wait for them (bounded).
  const final = await watch(startedAt, (f) => f.inFlight === 0 || Date.now() - startedAt > config.maxRunMs + 120_000);

  const attempts = (await allAttempts()).map(toRunAttempt);
  const truth: TruthCall[] =
    config.groundTruthFile && existsSync(config.groundTruthFile)
      ? readFileSync(config.groundTruthFile, 'utf8')
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => JSON.parse(l) as TruthCall & { party?: string })
          // Agents' phones are legs too; the campaign's calls are the customers'.
          .filter((call) => call.party !== 'agent')
      : [];
  const matched = matchGroundTruth(truth, attempts);
  for (const m of matched.mismatches.slice(0, 10)) out(`ground truth mismatch: call ${m.callId}: ${m.why}`);
  const f = final;
  const summary = {
    campaignId,
    mode: config.mode,
    dialed: f?.dialed ?? 0,
    answered: f?.answered ?? 0,
    connected: f?.connected ?? 0,
    abandoned: f?.abandoned ?? 0,
    abandonRate: f?.abandonRate ?? 0,
    machines: f?.machines ?? 0,
    occupancy: f?.occupancy ?? 0,
    deniedByReason: f?.deniedByReason ?? {},
    attempts: attempts.length,
    /** Attempts never closed after the campaign stopped and its calls ended: a lead lost in flight. */
    attemptsLeftOpen: attempts.filter((a) => a.endedAtMs === undefined).length,
    leadsAccepted: imported.job?.rowsAccepted ?? 0,
    /** Leads of the campaign's list that could be called but never got an attempt although the campaign is done: lost. */
    leadsLost: await leadsNeverAttempted(new Set(attempts.map((a) => a.leadId))),
    groundTruthCalls: truth.length,
    attemptsMatchingGroundTruth: matched.matching,
    /** Far-end calls with no attempt (or one never ended): a record lost. */
    callsWithoutAttempt: callsWithoutAttempt(matched.mismatches),
    leadsDialedTwiceAtOnce: leadsDialedTwiceAtOnce(attempts),
    deniedDialed: deniedDialed(attempts),
    elapsedMs: Date.now() - startedAt,
    ...(fedByRules ? { tasksFromRules: fedByRules.tasks() } : {}),
  };
  await fedByRules?.close();
  if (fedByRules)
    out(
      `rules: ${fedByRules.tasks()} call tasks published for this campaign (the dialer schedules each lead it is given)`,
    );
  out(
    `summary: ${summary.dialed} dialed, ${summary.answered} answered, ${summary.connected} connected, ${summary.abandoned} abandoned ` +
      `(${(100 * summary.abandonRate).toFixed(2)}%), occupancy ${(100 * summary.occupancy).toFixed(1)}%, ${summary.attempts} attempts stored, ` +
      `${summary.attemptsMatchingGroundTruth}/${summary.groundTruthCalls} ground-truth calls matched, ` +
      `${summary.leadsDialedTwiceAtOnce} leads dialed twice at once, ${summary.deniedDialed} refused dials placed`,
  );
  out(JSON.stringify(summary));
}

try {
  await main();
} finally {
  dialer.close();
  compliance.close();
  leadIngest.close();
}

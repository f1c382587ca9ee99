// One running campaign on this engine: its calls in flight (a rebuildable in-memory view of the
// open attempts), its pacer, and a tick every `tickMs` that refills the hopper, decides how many
// calls to launch for the mode, leases leads, checks compliance immediately before originate and
// dials. Calls' later life is handled in handle-call-event.ts.

import type { Logger } from '@outbound/telemetry';
import { afterDenial } from '../domain/call-outcome.js';
import { CallerIdRotation, type CallerIdCaps } from '../domain/caller-ids.js';
import { nextOpening } from '../domain/calling-hours.js';
import { planDials, type AbandonAction } from '../domain/dial-plan.js';
import type { LineClass, LineResult } from '../domain/line-pool.js';
import type { BusyService, LaunchBackoff } from '../domain/launch-backoff.js';
import type { Attempt, AttemptOutcome, Campaign } from '../domain/model.js';
import { pacerConfigFor, samePacerConfig } from '../domain/pacer-settings.js';
import { createPacer, type Pacer, type PacerConfigInput, type PacerEvent } from '../domain/pacing/index.js';
import type { EngineDeps, EngineOptions, Lease } from './engine-deps.js';
import {
  MediaUnavailableError,
  StaleOwnerError,
  type AgentCounts,
  type AnsweredGroup,
  type ComplianceGate,
  type LeadRecord,
} from './ports.js';

export type LiveState = 'dialing' | 'ringing' | 'amd' | 'waiting' | 'connecting' | 'with_agent' | 'robot' | 'ending';

/** A call of the campaign in flight, as this engine sees it (its record is the attempt row). */
export interface LiveCall {
  readonly attemptId: string;
  readonly leadId: string;
  /** The pacer's number for the call. */
  readonly pacerId: number;
  state: LiveState;
  lease?: Lease;
  callId?: string;
  node?: string;
  /** Clear number, kept in memory only while the call lives (opt-out); never logged. */
  phone?: string;
  answeredAtMs?: number;
  amdVerdict?: 'human' | 'machine' | 'unknown';
  /** Preview: the agent who accepted; a follow-up bound to one agent. */
  agentId?: string;
  presetAgent?: boolean;
  bridged: boolean;
  abandoned: boolean;
  optedOut: boolean;
  /** Its hang-up is being handled: another (a redelivery, or its row read ended) changes nothing. */
  hungUp?: boolean;
  /** When media was last asked whether the node still has the call, and when it said no. */
  aliveAskedAtMs?: number;
  goneSaidAtMs?: number;
  abandonTimer?: NodeJS.Timeout;
  /** Serves the call as `unknown` when AMD's verdict is late. */
  amdTimer?: NodeJS.Timeout;
  adoptTimer?: NodeJS.Timeout;
  /** When the last fact of the call arrived (or it was placed). */
  lastFactAtMs?: number;
  /** The line class the lead's task asked for (else the campaign's). */
  lineClass?: string;
  /** The line (of the engine's pool) the call went out on. */
  line?: string;
}

/** What a campaign's last tick saw, kept for the metrics' collection (no I/O when scraped). */
export interface TickView {
  readonly hopper: number;
  readonly agents: AgentCounts;
  /** Calls in flight not with an agent, per agent able to take one (progressive: its set ratio). */
  readonly pacingRatio: number;
}

/** Everything the runner and the call handler share. */
export interface EngineContext {
  readonly deps: EngineDeps;
  readonly options: EngineOptions;
  readonly log: Logger;
  now(): Date;
  newId(): string;
  /** A call on a pool line ended (or never went out): its line's health, published when it changes. */
  lineEnded(line: string, result: LineResult): void;
  /** Lines whose rest is over start their probation. */
  linesTick(nowMs: number): void;
  /** Shared by the replica's campaigns: no launches while a service they need cannot serve them. */
  readonly launchBackoff: LaunchBackoff;
  /** Something about the campaign's figures may have changed. */
  notify(campaignId: string): void;
  /** A newer owner's fence was seen: the campaign stops running here at once. */
  fencedOut(campaignId: string): void;
  /** Ends an attempt that never became a call (denied, not callable, originate failed). */
  finishWithoutCall(
    runner: CampaignRunner,
    call: LiveCall,
    outcome: AttemptOutcome,
    lead: { retryAt: Date } | { closeReason: string },
    cause?: string,
  ): Promise<void>;
  /** The pacer's number for an agent id. */
  agentNumber(agentId: string): number;
  /** Answered calls still waiting try the ready agents again (an agent freed on another replica). */
  retryWaiting(runner: CampaignRunner): Promise<void>;
  /** Of these calls, those whose rows another replica ended are ended here too (as by their hang-up). */
  endEndedElsewhere(runner: CampaignRunner, calls: readonly LiveCall[]): Promise<void>;
  /** A call its node no longer has, whose hang-up nobody saw: ended as that hang-up would have. */
  endGone(runner: CampaignRunner, call: LiveCall): Promise<void>;
  /** Preview mode's tick: offer leads to ready agents (preview.ts). */
  offerPreview(runner: CampaignRunner): Promise<void>;
}

const FETCH_FAILED = Symbol('lead read failed');
const TICK_REPORT_MS = 10_000;
/** How often a campaign's hopper is checked for a refill while refills find due leads. */
const REFILL_EVERY_MS = 1_000;
const round = (ms: number) => Math.round(ms * 100) / 100;
/** Work a tick starts beside itself, one of each kind at a time. */
type SideWork = 'refill' | 'abandon' | 'silent';
/** A lead whose call media could not take is due again after this. */
const MEDIA_RETRY_MS = 30_000;

/** A lead leased and begun as an attempt, waiting for its compliance check. */
interface Pending {
  readonly call: LiveCall;
  readonly attempt: Attempt;
  readonly lead: LeadRecord;
  readonly callerId: string;
}

export class CampaignRunner {
  readonly calls = new Map<string, LiveCall>();
  private pacer: Pacer;
  private pacerConfig: PacerConfigInput;
  private readonly startedAtMs: number;
  private nextPacerId = 1;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  /** The tick's side work in hand, by kind (one of each at a time). */
  private readonly sideWork = new Map<SideWork, Promise<unknown>>();
  private launching = true;
  private stopped = false;
  /** In-flight work started by ticks (originates, checks), awaited by stop(). */
  private readonly work = new Set<Promise<unknown>>();
  private abandon: {
    action: AbandonAction;
    at: number;
    windows: Awaited<ReturnType<ComplianceGate['abandonStatus']>>['windows'];
  } = { action: 'continue', at: 0, windows: [] };
  private cpsTokens = 0;
  private lastTickMs = 0;
  private readonly callerIds: CallerIdRotation;
  /** lead-ingest cursors per list; `done` when read to the end, re-read after `listRescanMs`. */
  private readonly listCursors = new Map<string, { next?: string; doneAtMs?: number }>();
  private lastRefillMs = 0;
  private refillEveryMs = REFILL_EVERY_MS;
  /** Leases taken from the hopper whose attempts are being begun (launch runs beside the ticks). */
  private leasesBeingBegun = 0;
  private lastFinishCheckMs = 0;
  private lastSilentCheckMs = 0;
  /** Tick durations since the last report (logged every TICK_REPORT_MS: p99 and max). */
  private tickDurations: number[] = [];
  private lastTickReportMs = 0;
  lastDecisionLaunch = 0;
  /** The last tick's view (undefined before the first full tick, and in preview mode). */
  lastTick: TickView | undefined;

  constructor(
    public campaign: Campaign,
    private readonly ctx: EngineContext,
    /** The owner's fencing token when replicas share campaigns: every hopper use and attempt carries it. */
    readonly fence?: number,
  ) {
    this.startedAtMs = ctx.now().getTime();
    this.callerIds = new CallerIdRotation(campaign.settings.callerIds);
    this.pacerConfig = this.pacerConfigOf(campaign);
    this.pacer = this.newPacer();
  }

  private pacerConfigOf(campaign: Campaign) {
    const { options } = this.ctx;
    return pacerConfigFor(campaign.settings, {
      channelCapacity: options.channelsPerCampaign,
      maxCps: options.callsPerSecond,
      abandonAfterMs: options.abandonAfterMs,
    });
  }

  private newPacer(): Pacer {
    return createPacer(this.pacerConfig, {
      onDecision: (decision) => this.ctx.deps.decisions.record(this.campaignId, decision, this.ctx.now()),
    });
  }

  /**
   * Takes the campaign's latest settings. An edit of what the pacer is built with (abandon target,
   * dial ratio, ring timeout, AMD, the length of its calling hours) rebuilds it: it warms up again
   * (progressive dialing until it has seen enough), and its abandon windows keep the answers and
   * abandons the last one counted.
   */
  private follow(campaign: Campaign): void {
    this.campaign = campaign;
    const config = this.pacerConfigOf(campaign);
    if (samePacerConfig(config, this.pacerConfig)) return;
    this.pacerConfig = config;
    const history = this.pacer.history(this.t());
    this.pacer = this.newPacer();
    this.pacer.recall(history);
    this.ctx.log.info({ campaignId: this.campaignId }, 'pacing settings changed: the pacer starts over');
  }

  /** From when a new runner's pacer wants the campaign's answers (its abandon windows' span). */
  answersWanted(): Date {
    return new Date(this.startedAtMs + this.pacer.recallFromMs(this.t()));
  }

  /**
   * The campaign's answers and abandons before this runner (the attempts store's, from
   * `answersWanted()`): a restart does not empty the pacer's abandon windows. Before any event.
   */
  recallAnswers(since: Date, groups: readonly AnsweredGroup[]): void {
    this.pacer.recall({
      sinceMs: since.getTime() - this.startedAtMs,
      answers: groups.map((g) => ({
        atMs: g.at.getTime() - this.startedAtMs,
        answers: g.answers,
        abandons: g.abandons,
      })),
    });
  }

  get campaignId(): string {
    return this.campaign.campaignId;
  }

  get isLaunching(): boolean {
    return this.launching && !this.stopped;
  }

  t(): number {
    return this.ctx.now().getTime() - this.startedAtMs;
  }

  /**
   * Every mode feeds the pacer (only predictive asks it): a campaign switched to predictive starts
   * with the answers and abandons its windows already hold.
   */
  feed(event: PacerEvent): void {
    this.pacer.onEvent(event);
  }

  newCall(attemptId: string, leadId: string, state: LiveState): LiveCall {
    const call: LiveCall = {
      attemptId,
      leadId,
      pacerId: this.nextPacerId++,
      state,
      bridged: false,
      abandoned: false,
      optedOut: false,
    };
    this.calls.set(attemptId, call);
    return call;
  }

  abandonWindows() {
    return this.abandon.windows;
  }

  /**
   * Starts ticking (adopted calls are added by the engine before). Each campaign keeps its own
   * timer: campaigns taken at different moments tick at different moments, so their periodic
   * work (refills, abandon status) does not reach the stores and services all at once (one
   * shared beat for every campaign sent 50 refills and 50 abandon-status asks in the same
   * instant, and compliance and lead-ingest timed out).
   */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => this.beat(), this.ctx.options.tickMs);
  }

  /** A tick unless the last one is still running. */
  private beat(): void {
    if (this.stopped || this.ticking) return;
    const started = performance.now();
    this.ticking = this.tick()
      .then(() => this.tickTook(performance.now() - started))
      .catch((error: unknown) => this.failed(error, 'campaign tick failed'))
      .finally(() => {
        this.ticking = undefined;
      });
  }

  pause(): void {
    this.launching = false;
  }

  resume(campaign: Campaign): void {
    this.follow(campaign);
    this.callerIds.setIds(campaign.settings.callerIds);
    this.launching = true;
  }

  /** Stops launching and ticking; waits for the tick and the dials in hand (calls in flight live on). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    await Promise.allSettled([...this.work]);
  }

  track<T>(promise: Promise<T>): Promise<T> {
    this.work.add(promise);
    void promise.finally(() => this.work.delete(promise)).catch(() => undefined);
    return promise;
  }

  /** One tick: refill, decide, dial; finish the campaign when nothing is left. */
  async tick(): Promise<void> {
    if (this.stopped) return;
    const nowMs = this.ctx.now().getTime();
    const elapsed = this.lastTickMs === 0 ? this.ctx.options.tickMs : nowMs - this.lastTickMs;
    this.lastTickMs = nowMs;
    const cps =
      this.campaign.settings.modeSettings.mode === 'agentless'
        ? Math.min(this.ctx.options.callsPerSecond, this.campaign.settings.modeSettings.callsPerSecond)
        : this.ctx.options.callsPerSecond;
    // No calls saved up during a pause: every campaign's burst at once would meet the service again.
    this.cpsTokens = this.ctx.launchBackoff.paused(nowMs) ? 0 : Math.min(cps, this.cpsTokens + (cps * elapsed) / 1000);

    // Beside the tick (a store read), and paused or not: calls in flight live on either way.
    if (nowMs - this.lastSilentCheckMs >= this.ctx.options.silentCheckMs) {
      this.lastSilentCheckMs = nowMs;
      this.beside('silent', () => this.checkSilentCalls(nowMs));
    }
    if (!this.isLaunching) return;
    this.ctx.linesTick(nowMs);
    // Both reads at once.
    const preview = this.campaign.settings.modeSettings.mode === 'preview';
    const reads = Promise.all([
      preview ? undefined : this.ctx.deps.agents.counts(this.campaignId),
      this.ctx.deps.hopper.size(this.campaignId),
    ]);
    const [counted, hopperBefore] = await reads;
    // A refill (PostgreSQL, lead-ingest) and the abandon status (compliance) go on beside the
    // tick: a slow store or service must not hold the pacing decisions up. The first abandon
    // status is waited for, so a campaign taken over past its limit does not dial meanwhile.
    if (nowMs - this.lastRefillMs >= this.refillEveryMs)
      this.beside('refill', () => this.refillIfLow(nowMs, false, hopperBefore));
    if (this.abandon.at === 0) await this.refreshAbandonStatus(nowMs);
    else if (nowMs - this.abandon.at >= this.ctx.options.abandonStatusEveryMs)
      this.beside('abandon', () => this.refreshAbandonStatus(nowMs));
    if (preview || !counted) {
      await this.ctx.offerPreview(this);
      await this.finishIfDone(nowMs);
      return;
    }
    const agents = counted;
    const live = [...this.calls.values()];
    // Leads taken from the hopper whose attempts are not begun yet are calls about to be placed.
    const placing = this.calls.size + this.leasesBeingBegun;
    const unbridged = live.filter((c) => !c.bridged && c.state !== 'ending' && c.state !== 'robot').length;
    const waiting = live.filter((c) => c.state === 'waiting' || c.state === 'connecting').length;
    if (agents.ready > 0 && live.some((c) => c.state === 'waiting')) await this.ctx.retryWaiting(this);
    let pacerLaunch: number | undefined;
    if (this.campaign.settings.modeSettings.mode === 'predictive') {
      pacerLaunch = this.pacer.decide({
        nowMs: this.t(),
        agentsLoggedIn: agents.loggedIn,
        agentsReady: agents.ready,
        agentsTalking: agents.talking + agents.reserved,
        agentsWrapUp: agents.wrapUp,
        callsRinging:
          this.leasesBeingBegun +
          live.filter((c) => c.state === 'dialing' || c.state === 'ringing' || c.state === 'amd').length,
        callsWaitingForAgent: waiting,
        channelsInUse: placing,
        channelCapacity: this.ctx.options.channelsPerCampaign,
        maxCps: cps,
      });
    }
    const hopperSize = hopperBefore;
    const mode = this.campaign.settings.modeSettings;
    this.lastTick = {
      hopper: hopperSize,
      agents,
      pacingRatio:
        mode.mode === 'progressive'
          ? mode.ratio
          : unbridged / Math.max(1, agents.ready + agents.reserved + agents.talking),
    };
    const plan = planDials({
      mode: this.campaign.settings.modeSettings,
      agentsReady: agents.ready,
      inFlight: placing,
      unbridged: unbridged + this.leasesBeingBegun,
      ...(pacerLaunch === undefined ? {} : { pacerLaunch }),
      channelsFree: Math.min(
        this.ctx.options.channelsPerCampaign - placing,
        this.callerIds.available(nowMs),
        this.ctx.deps.lines?.free(this.lineClassOf(), nowMs) ?? Number.POSITIVE_INFINITY,
      ),
      cpsBudget: Math.floor(this.cpsTokens),
      leadsAvailable: hopperSize,
      abandon: this.abandon.action,
    });
    this.lastDecisionLaunch = plan.launch;
    if (plan.launch > 0) {
      this.cpsTokens -= plan.launch;
      const leases = await this.ctx.deps.hopper.pop(this.campaignId, plan.launch, this.fence);
      // Dialing (lead reads, compliance, originate) goes on beside the ticks: a slow media node
      // must not stop the campaign's pacing. The calls it begins count from their attempt on.
      if (leases.length > 0)
        void this.track(this.launch(leases)).catch((error: unknown) => this.failed(error, 'launch failed'));
    }
    await this.finishIfDone(nowMs);
  }

  /** Runs one kind of the tick's side work unless the last of that kind is still running. */
  private beside(kind: SideWork, work: () => Promise<unknown>): void {
    if (this.sideWork.has(kind)) return;
    const running = this.track(work())
      .catch((error: unknown) => this.failed(error, `campaign ${kind} failed`))
      .finally(() => this.sideWork.delete(kind));
    this.sideWork.set(kind, running);
  }

  /** Fenced out by a newer owner: stop here at once (not at the next lease renewal); else log. */
  private failed(error: unknown, what: string): void {
    if (error instanceof StaleOwnerError) {
      this.launching = false;
      this.ctx.fencedOut(this.campaignId);
      return;
    }
    this.ctx.log.error({ err: error, campaignId: this.campaignId }, what);
  }

  private tickTook(ms: number): void {
    this.tickDurations.push(ms);
    const nowMs = this.ctx.now().getTime();
    if (this.lastTickReportMs === 0) this.lastTickReportMs = nowMs;
    if (nowMs - this.lastTickReportMs < TICK_REPORT_MS) return;
    const sorted = this.tickDurations.sort((a, b) => a - b);
    const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!;
    this.ctx.log.info(
      { campaignId: this.campaignId, ticks: sorted.length, p99Ms: round(p99), maxMs: round(sorted.at(-1)!) },
      'pacing ticks',
    );
    this.tickDurations = [];
    this.lastTickReportMs = nowMs;
  }

  /**
   * Every silentCheckMs, the calls silent since the last check: those another replica ended are
   * ended here (else this owner holds them, and their agents' places, until they go stale); those
   * silent for staleCallMs are hung up (best effort) and their attempts ended as lost.
   */
  private async checkSilentCalls(nowMs: number): Promise<void> {
    const { deps, options, log } = this.ctx;
    const silent = (call: LiveCall) =>
      call.lastFactAtMs !== undefined && nowMs - call.lastFactAtMs >= options.silentCheckMs;
    await this.ctx.endEndedElsewhere(this, [...this.calls.values()].filter(silent));
    await this.askAboutSilentCalls(nowMs);
    for (const call of [...this.calls.values()]) {
      if (!silent(call) || nowMs - call.lastFactAtMs! < options.staleCallMs) continue;
      log.warn({ campaignId: this.campaignId, attemptId: call.attemptId }, 'call silent too long: ended as lost');
      if (call.callId)
        await deps.calls
          .hangup(call.callId, 'NORMAL_CLEARING')
          .catch((error: unknown) => log.warn({ err: error, attemptId: call.attemptId }, 'lost call not hung up'));
      if (call.line) this.ctx.lineEnded(call.line, 'failed');
      const settings = this.campaign.settings;
      const earlier = await deps.attempts.outcomesOf(this.campaignId, call.leadId);
      const step = deps.nextStep(settings.retryRules, settings.maxAttemptsPerLead, earlier, 'failed', this.ctx.now());
      await this.ctx.finishWithoutCall(this, call, 'failed', step, 'CALL_LOST');
    }
  }

  /**
   * Placed calls silent for aliveCheckMs: media asks their node whether it still has them (a talk
   * is silent too, so most are). One said gone and silent a check later is ended; the check's
   * wait lets a hang-up in flight as the node was asked arrive first. No answer: kept.
   */
  private async askAboutSilentCalls(nowMs: number): Promise<void> {
    const { deps, options, log } = this.ctx;
    const asked = [...this.calls.values()].filter(
      (call) =>
        call.callId !== undefined &&
        call.node !== undefined &&
        !call.hungUp &&
        call.lastFactAtMs !== undefined &&
        nowMs - call.lastFactAtMs >= options.aliveCheckMs,
    );
    await Promise.all(
      asked.map(async (call) => {
        if (call.goneSaidAtMs !== undefined && call.lastFactAtMs! < call.goneSaidAtMs) {
          if (nowMs - call.goneSaidAtMs < options.silentCheckMs) return;
          log.warn(
            { campaignId: this.campaignId, attemptId: call.attemptId },
            'the node no longer has the call: ended',
          );
          return this.ctx.endGone(this, call);
        }
        if (nowMs - (call.aliveAskedAtMs ?? 0) < options.aliveCheckMs) return;
        call.aliveAskedAtMs = nowMs;
        const exists = await deps.calls.exists(call.callId!, call.node!).catch((error: unknown) => {
          log.debug({ err: error, attemptId: call.attemptId }, 'whether the node has the call is not known: kept');
          return true;
        });
        if (!exists) call.goneSaidAtMs = nowMs;
      }),
    );
  }

  /** The line class for a call: its task's, else the campaign's (standard when neither says). */
  lineClassOf(requested?: string): LineClass {
    const wanted = requested || this.campaign.settings.lineClass;
    return wanted === 'premium' ? 'premium' : 'standard';
  }

  /** The caller-ID caps compliance applies to the campaign's packs (from SetCampaignPolicy). */
  setCallerIdCaps(caps: CallerIdCaps | undefined): void {
    if (caps) this.callerIds.setCaps(caps);
  }

  /**
   * The caller ID for the next dial: the campaign's, least recently used first, within the caps;
   * '' for media's default when the campaign has none; undefined when every one is resting.
   */
  takeCallerId(): string | undefined {
    if (this.callerIds.empty) return '';
    return this.callerIds.take(this.ctx.now().getTime());
  }

  /** Begins attempts for the leases, reads the numbers, checks compliance in one batch, dials the allowed. */
  async launch(leases: readonly Lease[], presetAgentId?: string): Promise<void> {
    // The leads are read first: a lead-ingest outage leaves them as they were (due again at the
    // next refill) instead of costing each one an attempt.
    this.leasesBeingBegun += leases.length;
    const begun = await Promise.all(
      leases.map(async (lease) => {
        try {
          const record = await this.fetchLead(lease);
          if (record === FETCH_FAILED) return undefined;
          const started = await this.begin(lease);
          return started && { ...started, record };
        } finally {
          this.leasesBeingBegun--;
        }
      }),
    );
    const pending = (
      await Promise.all(begun.map(async (b) => (b ? this.readLead(b.call, b.attempt, b.record) : undefined)))
    ).filter((p): p is Pending => p !== undefined);
    if (presetAgentId) for (const p of pending) Object.assign(p.call, { agentId: presetAgentId, presetAgent: true });
    await this.checkAndDial(await this.withinCampaignHours(pending));
  }

  /** The campaign's own hours in the callee's zone: a lead outside them is due again at the next opening. */
  private async withinCampaignHours(pending: readonly Pending[]): Promise<Pending[]> {
    const now = this.ctx.now();
    const inside: Pending[] = [];
    for (const p of pending) {
      const opens = nextOpening(this.campaign.settings.hours, p.lead.timeZone, now);
      if (opens.getTime() <= now.getTime()) inside.push(p);
      else await this.denied(p, ['OUTSIDE_CAMPAIGN_HOURS'], { retryAt: opens });
    }
    return inside;
  }

  /** The attempt row for a leased lead (undefined: the lead is not open or already in a call). */
  async begin(lease: Lease, attemptId = this.ctx.newId()): Promise<{ call: LiveCall; attempt: Attempt } | undefined> {
    const begun = await this.ctx.deps.attempts.begin({
      attemptId,
      campaignId: this.campaignId,
      leadId: lease.leadId,
      dialMode: this.campaign.settings.modeSettings.mode,
      ...(this.fence === undefined ? {} : { fence: this.fence }),
    });
    if (!begun) {
      // Closed, rescheduled or in a call already: the database said no; drop the lease.
      await this.ctx.deps.hopper.complete(this.campaignId, lease.leadId, lease.token);
      return undefined;
    }
    const { attempt, lead } = begun;
    const call = this.newCall(attempt.attemptId, lease.leadId, 'dialing');
    call.lease = lease;
    if (lead.agentId) call.agentId = lead.agentId;
    if (lead.lineClass) call.lineClass = lead.lineClass;
    return { call, attempt };
  }

  /** The lead's clear number under the reveal grant (audited by compliance). */
  /** A leased lead's record (null: gone), or FETCH_FAILED with its lease dropped. */
  private async fetchLead(lease: Lease): Promise<LeadRecord | null | typeof FETCH_FAILED> {
    try {
      return (await this.ctx.deps.leadDirectory.getLead(lease.leadId, { reveal: true })) ?? null;
    } catch (error) {
      this.ctx.log.warn({ err: error, campaignId: this.campaignId }, 'lead read failed; the lead stays due');
      this.serviceBusy('lead-ingest', this.ctx.now().getTime());
      await this.ctx.deps.hopper.complete(this.campaignId, lease.leadId, lease.token);
      return FETCH_FAILED;
    }
  }

  async readLead(call: LiveCall, attempt: Attempt, prefetched?: LeadRecord | null): Promise<Pending | undefined> {
    let lead: LeadRecord | undefined;
    try {
      lead =
        prefetched === undefined
          ? await this.ctx.deps.leadDirectory.getLead(call.leadId, { reveal: true })
          : (prefetched ?? undefined);
    } catch (error) {
      this.ctx.log.warn({ err: error, campaignId: this.campaignId, attemptId: call.attemptId }, 'lead read failed');
      await this.ctx.finishWithoutCall(
        this,
        call,
        'failed',
        { retryAt: new Date(this.ctx.now().getTime() + 60_000) },
        'LEAD_READ_FAILED',
      );
      return undefined;
    }
    if (!lead || !lead.callable) {
      await this.ctx.finishWithoutCall(this, call, 'denied', { closeReason: 'not_callable' }, 'LEAD_NOT_CALLABLE');
      return undefined;
    }
    call.phone = lead.phone;
    const callerId = this.takeCallerId();
    if (callerId === undefined) {
      // Planned within the free caller IDs, so only a race gets here: due again after the gap.
      await this.ctx.finishWithoutCall(
        this,
        call,
        'failed',
        { retryAt: new Date(this.ctx.now().getTime() + 30_000) },
        'NO_CALLER_ID_FREE',
      );
      return undefined;
    }
    return { call, attempt, lead, callerId };
  }

  /** CheckDialBatch immediately before originate: only what compliance allowed is dialed. */
  async checkAndDial(pending: readonly Pending[]): Promise<void> {
    if (pending.length === 0) return;
    const { deps } = this.ctx;
    let verdicts;
    try {
      verdicts = await deps.compliance.checkDialBatch(
        pending.map((p) => ({
          campaignId: this.campaignId,
          leadId: p.call.leadId,
          phone: p.lead.phone,
          callerId: p.callerId,
        })),
      );
    } catch (error) {
      // No verdict, no dial: the leads are due again a little later.
      this.ctx.log.warn({ err: error, campaignId: this.campaignId, count: pending.length }, 'compliance check failed');
      this.serviceBusy('compliance', this.ctx.now().getTime());
      const retryAt = new Date(this.ctx.now().getTime() + 30_000);
      await Promise.all(pending.map((p) => this.denied(p, ['CHECK_FAILED'], { retryAt })));
      return;
    }
    await Promise.all(
      pending.map(async (p, i) => {
        const verdict = verdicts[i];
        if (!verdict || !verdict.allowed) {
          const reasons = verdict && !verdict.allowed ? verdict.reasons : ['NO_VERDICT'];
          if (verdict && !verdict.allowed && verdict.checkId)
            await deps.attempts.record(p.call.attemptId, { complianceCheckId: verdict.checkId });
          await this.denied(p, reasons, afterDenial(reasons, this.ctx.now(), this.ctx.options.deniedRetryMs));
          return;
        }
        await deps.attempts.record(p.call.attemptId, {
          complianceCheckId: verdict.checkId,
          checkedAt: this.ctx.now(),
          callerId: p.callerId,
        });
        await this.track(this.originate(p, verdict.checkId));
      }),
    );
  }

  private async denied(p: Pending, reasons: readonly string[], lead: { retryAt: Date } | { closeReason: string }) {
    await this.ctx.deps.attempts.record(p.call.attemptId, { denialReasons: reasons, checkedAt: this.ctx.now() });
    await this.ctx.deps.counters.countOnce(
      this.campaignId,
      p.call.attemptId,
      'denied',
      reasons.map((r) => `denied:${r}` as const),
    );
    await this.ctx.finishWithoutCall(this, p.call, 'denied', lead);
  }

  private async originate(p: Pending, checkId: string): Promise<void> {
    const { deps } = this.ctx;
    const settings = this.campaign.settings;
    let gateway = settings.gateway;
    if (deps.lines) {
      const line = deps.lines.take(this.lineClassOf(p.call.lineClass), this.ctx.now().getTime());
      if (!line) {
        // Every line full or out since the plan was made: due again shortly, not counted as a try.
        await this.ctx.finishWithoutCall(
          this,
          p.call,
          'failed',
          { retryAt: new Date(this.ctx.now().getTime() + 30_000) },
          'NO_LINE_AVAILABLE',
        );
        return;
      }
      gateway = line.gateway;
      p.call.line = line.name;
    }
    this.feed({ type: 'call_originated', tMs: this.t(), callId: p.call.pacerId });
    await deps.counters.countOnce(this.campaignId, p.call.attemptId, 'dialed', ['dialed']);
    this.ctx.notify(this.campaignId);
    let reply: { callId: string; node: string };
    try {
      reply = await deps.calls.originate({
        campaignId: this.campaignId,
        leadId: p.call.leadId,
        attemptId: p.call.attemptId,
        destination: p.lead.phone,
        callerId: p.callerId,
        gateway,
        amd: settings.amd,
        ringTimeoutMs: settings.ringTimeoutMs,
        complianceCheckId: checkId,
      });
    } catch (error) {
      const placed = await this.placedDespite(p, error);
      if (placed) {
        this.ctx.log.warn(
          { campaignId: this.campaignId, attemptId: p.call.attemptId },
          'originate failed but media placed the call: held',
        );
        return this.placed(p, placed, gateway);
      }
      return this.originateFailed(p, error);
    }
    await this.placed(p, reply, gateway);
  }

  /** Originate failed and the call did not go out. */
  private async originateFailed(p: Pending, error: unknown): Promise<void> {
    const { deps } = this.ctx;
    const settings = this.campaign.settings;
    if (error instanceof MediaUnavailableError) return this.notPlaced(p);
    this.ctx.log.warn({ err: error, campaignId: this.campaignId, attemptId: p.call.attemptId }, 'originate failed');
    if (p.call.line) this.ctx.lineEnded(p.call.line, 'failed');
    this.feed({ type: 'call_failed', tMs: this.t(), callId: p.call.pacerId, cause: 'NETWORK_OUT_OF_ORDER' });
    const earlier = await deps.attempts.outcomesOf(this.campaignId, p.call.leadId);
    const step = deps.nextStep(settings.retryRules, settings.maxAttemptsPerLead, earlier, 'failed', this.ctx.now());
    await this.ctx.finishWithoutCall(this, p.call, 'failed', step, 'ORIGINATE_FAILED');
  }

  /**
   * After a failed Originate, whether the call went out anyway (its reply lost or late: a deadline
   * passed, media restarted mid-request). Voiding the attempt settles it: voided, it was not placed
   * and a late originate of it is refused; else media placed it, and this is where.
   */
  private async placedDespite(p: Pending, error: unknown): Promise<{ callId: string; node: string } | undefined> {
    const placed = await this.ctx.deps.placements.void(p.call.attemptId).catch((voidError: unknown) => {
      // Not known: handled as not placed, as before placements were kept.
      this.ctx.log.warn(
        { err: voidError, cause: error, campaignId: this.campaignId, attemptId: p.call.attemptId },
        'placement of a failed originate not known',
      );
      return 'voided' as const;
    });
    return placed === 'voided' ? undefined : placed;
  }

  /** Media placed the call: it rings; its facts follow. */
  private async placed(p: Pending, placed: { callId: string; node: string }, gateway: string): Promise<void> {
    p.call.callId = placed.callId;
    p.call.node = placed.node;
    p.call.lastFactAtMs = this.ctx.now().getTime();
    if (p.call.state === 'dialing') p.call.state = 'ringing';
    await this.ctx.deps.attempts.record(p.call.attemptId, {
      callId: placed.callId,
      node: placed.node,
      originatedAt: this.ctx.now(),
      line: p.call.line ?? gateway,
      ...(p.callerId ? { callerId: p.callerId } : {}),
    });
  }

  /**
   * Media took no call (its nodes too slow or their originates queued, draining, none connected):
   * nothing reached a line or a customer. The lead is due again shortly; the pacer learns nothing
   * about answers from it (counted as a failed call, it would lower the answer rate and dial more
   * into the overload); and the replica's campaigns pause their launches, so an overloaded switch
   * sheds calls instead of abandoning them.
   */
  private async notPlaced(p: Pending): Promise<void> {
    const nowMs = this.ctx.now().getTime();
    this.serviceBusy('media', nowMs);
    // No line was tried: its channel is free again.
    if (p.call.line) this.ctx.deps.lines?.cancel(p.call.line);
    this.feed({ type: 'call_not_placed', tMs: this.t(), callId: p.call.pacerId });
    await this.ctx.finishWithoutCall(
      this,
      p.call,
      'failed',
      { retryAt: new Date(nowMs + MEDIA_RETRY_MS) },
      'MEDIA_UNAVAILABLE',
    );
  }

  /** A service could not serve a launch: the replica's launches pause (domain/launch-backoff.ts). */
  private serviceBusy(service: BusyService, nowMs: number): void {
    const pauseMs = this.ctx.launchBackoff.failed(nowMs);
    if (pauseMs !== undefined)
      this.ctx.log.warn(
        { campaignId: this.campaignId, busyService: service, pauseMs },
        'a service could not serve launches: paused',
      );
  }

  private async refreshAbandonStatus(nowMs: number): Promise<void> {
    if (nowMs - this.abandon.at < this.ctx.options.abandonStatusEveryMs) return;
    try {
      const status = await this.ctx.deps.compliance.abandonStatus(this.campaignId);
      this.abandon = { action: status.action, windows: status.windows, at: nowMs };
    } catch (error) {
      // Keep the last answer a while; compliance still refuses each dial over the limit at the gate.
      this.abandon = { ...this.abandon, at: nowMs };
      this.ctx.log.warn({ err: error, campaignId: this.campaignId }, 'abandon status unavailable');
    }
  }

  /**
   * Tops the hopper up: new leads from lead-ingest into campaign_leads, then the due ones into
   * Redis. `size`: the hopper's size when the caller has just read it.
   */
  async refillIfLow(nowMs: number, force = false, size?: number): Promise<void> {
    const { deps, options } = this.ctx;
    if (!force && nowMs - this.lastRefillMs < this.refillEveryMs) return;
    this.lastRefillMs = nowMs;
    const before = size ?? (await deps.hopper.size(this.campaignId));
    if (!force && before >= options.hopperLowWater) {
      this.refillEveryMs = REFILL_EVERY_MS;
      return;
    }
    const fresh = await deps.campaigns.get(this.campaignId);
    if (fresh) this.follow(fresh);
    let due = await deps.leads.due(this.campaignId, new Date(nowMs), options.hopperTarget);
    if (due.length < options.hopperTarget) {
      await this.readLists(nowMs);
      due = await deps.leads.due(this.campaignId, new Date(nowMs), options.hopperTarget);
    }
    const added = await deps.hopper.add(
      this.campaignId,
      due.map((l) => ({ leadId: l.leadId, priority: l.priority, dueAt: l.nextAttemptAt })),
      this.fence,
    );
    // Nothing new was due: look less often (up to every 8 s), as soon as something is added again.
    this.refillEveryMs = added > 0 ? REFILL_EVERY_MS : Math.min(8 * REFILL_EVERY_MS, this.refillEveryMs * 2);
  }

  /** One page of each list not read to its end (or due for a re-read). */
  private async readLists(nowMs: number): Promise<void> {
    const { deps, options } = this.ctx;
    for (const selection of this.campaign.settings.leadLists) {
      const key = JSON.stringify(selection);
      const cursor = this.listCursors.get(key) ?? {};
      if (cursor.doneAtMs !== undefined && nowMs - cursor.doneAtMs < options.listRescanMs) continue;
      const page = await deps.leadDirectory.listLeads(selection, {
        pageSize: options.listPageSize,
        ...(cursor.next ? { pageToken: cursor.next } : {}),
      });
      await deps.leads.add(
        this.campaignId,
        page.items.filter((l) => l.callable).map((l) => ({ leadId: l.leadId, listId: selection.listId })),
      );
      this.listCursors.set(key, page.next ? { next: page.next } : { doneAtMs: nowMs });
    }
  }

  /** Every list read, no lead open, nothing in flight: running → finished. */
  private async finishIfDone(nowMs: number): Promise<void> {
    // Not while a refill may still be adding leads (a list re-read).
    if (nowMs - this.lastFinishCheckMs < 2_000 || this.calls.size > 0 || this.sideWork.has('refill')) return;
    this.lastFinishCheckMs = nowMs;
    const listsRead = this.campaign.settings.leadLists.every(
      (s) => this.listCursors.get(JSON.stringify(s))?.doneAtMs !== undefined,
    );
    if (!listsRead) return;
    const counts = await this.ctx.deps.leads.counts(this.campaignId);
    if (counts.open > 0 || counts.inFlight > 0 || this.calls.size > 0) return;
    try {
      await this.ctx.deps.campaigns.transition(this.campaignId, ['running'], 'finished');
      this.ctx.log.info({ campaignId: this.campaignId }, 'campaign finished');
      this.stopped = true;
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      this.ctx.notify(this.campaignId);
    } catch (error) {
      this.ctx.log.warn({ err: error, campaignId: this.campaignId }, 'campaign could not be finished');
    }
  }
}

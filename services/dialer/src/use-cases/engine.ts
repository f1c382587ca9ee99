// The call engine: runs every running campaign on this process (adopting them and their open
// attempts at start, so a restart loses no call), offers the campaign service its runtime
// (started/paused/resumed/stopped), the live figures and the preview decisions, and takes the
// facts of calls (calls.*) and the tasks (tasks.call.*) the NATS adapters deliver.

import { randomUUID } from 'node:crypto';
import type { LineHealth } from '../domain/line-pool.js';
import { LaunchBackoff } from '../domain/launch-backoff.js';
import type { Agent, AttemptOutcome, Campaign } from '../domain/model.js';
import { CallHandler, type CallFact } from './handle-call-event.js';
import { CampaignRunner, type EngineContext, type LiveCall, type TickView } from './campaign-runner.js';
import { DEFAULT_ENGINE_OPTIONS, type CampaignRuntime, type EngineDeps, type Ownership } from './engine-deps.js';
import { PreviewDesk } from './preview.js';
import type { CampaignFigures, CampaignLeadStore, CampaignLeases, FiguresSource, PreviewDecisions } from './ports.js';

export type { CallFact } from './handle-call-event.js';
export * from './engine-deps.js';
export type { TickView } from './campaign-runner.js';

/** A task for a lead (tasks.call.<campaign>): the rules service or an agent's follow-up. */
export interface CallTask {
  readonly campaignId: string;
  readonly leadId: string;
  readonly priority: number;
  readonly notBefore?: Date;
  readonly agentId?: string;
  readonly script?: string;
  readonly lineClass?: string;
}

export interface Engine {
  /** Adopts every running (and paused) campaign and its open attempts, then ticks. */
  start(): Promise<void>;
  /** Stops launching, waits for the work in hand; calls in flight are adopted by the next start. */
  stop(): Promise<void>;
  readonly runtime: CampaignRuntime;
  readonly figures: FiguresSource;
  readonly preview: PreviewDecisions;
  onCallFact(fact: CallFact): Promise<void>;
  onTask(task: CallTask): Promise<void>;
  /** Publishes attempts.completed of ended attempts not yet published (at start and periodically). */
  republish(): Promise<number>;
  /** Campaigns this engine runs now (tests, health). */
  running(): string[];
  /** What each campaign run here last saw (metrics' collection: no I/O). */
  views(): CampaignView[];
}

/** One running campaign as its last tick and its calls show it. */
export interface CampaignView {
  readonly campaignId: string;
  readonly activeCalls: number;
  readonly tick: TickView | undefined;
  readonly abandonWindows: ReturnType<CampaignRunner['abandonWindows']>;
}

/** Ownership rounds between two looks at whether this replica holds more than its share. */
const REBALANCE_EVERY_ROUNDS = 5;

export function createEngine(deps: EngineDeps): Engine {
  const options = { ...DEFAULT_ENGINE_OPTIONS, ...deps.options };
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ component: 'engine' });
  const runners = new Map<string, CampaignRunner>();
  const listeners = new Map<string, Set<() => void>>();
  const agentNumbers = new Map<string, number>();
  /** Campaign → stops taking its facts from other replicas and hearing its early facts. */
  const unserve = new Map<string, () => void>();
  /** Free campaigns → rounds seen free (spreading). */
  const freeSince = new Map<string, number>();
  let republishTimer: NodeJS.Timeout | undefined;
  let ownershipTimer: NodeJS.Timeout | undefined;
  let reconciling: Promise<void> | undefined;
  let renewing: Promise<void> | undefined;
  let unsubscribeAgents: (() => void) | undefined;
  let stopping = false;

  const notify = (campaignId: string) => {
    for (const listener of listeners.get(campaignId) ?? []) {
      try {
        listener();
      } catch (error) {
        log.warn({ err: error, campaignId }, 'figures listener failed');
      }
    }
  };

  const announceLine = (health: LineHealth) => {
    log.warn(
      { line: health.line, state: health.state, failureRate: health.failureRate, asr: health.asr },
      'line health changed',
    );
    void deps.publisher
      .lineHealth(health)
      .catch((error: unknown) => log.warn({ err: error, line: health.line }, 'lines.health not published'));
  };

  // The desk and the context refer to each other: the desk is set right below.
  const desks: { preview?: PreviewDesk; handler?: CallHandler } = {};
  const ctx: EngineContext = {
    deps,
    options,
    log,
    now,
    newId: deps.newId ?? randomUUID,
    notify,
    fencedOut(campaignId) {
      if (!runners.has(campaignId)) return;
      log.warn({ campaignId }, 'a newer owner runs the campaign: stopped running it here');
      void drop(campaignId).catch((error: unknown) => log.error({ err: error, campaignId }, 'campaign not dropped'));
    },
    agentNumber(agentId) {
      let n = agentNumbers.get(agentId);
      if (n === undefined) agentNumbers.set(agentId, (n = agentNumbers.size + 1));
      return n;
    },
    offerPreview: async (runner) => desks.preview?.offerToReadyAgents(runner),
    lineEnded(line, result) {
      const change = deps.lines?.ended(line, result, now().getTime());
      if (change) announceLine(change);
    },
    linesTick(nowMs) {
      for (const change of deps.lines?.tick(nowMs) ?? []) announceLine(change);
    },
    launchBackoff: new LaunchBackoff(),
    retryWaiting: async (runner) => desks.handler?.retryWaiting(runner),
    endEndedElsewhere: async (runner, calls) => desks.handler?.endEndedElsewhere(runner, calls),
    endGone: async (runner, call) => desks.handler?.endGone(runner, call),
    async finishWithoutCall(runner: CampaignRunner, call: LiveCall, outcome: AttemptOutcome, lead, cause?: string) {
      if (call.adoptTimer) clearTimeout(call.adoptTimer);
      const ended = await deps.attempts.finish(call.attemptId, {
        outcome,
        endedAt: now(),
        ...(cause ? { hangupCause: cause } : {}),
        lead,
      });
      if (ended) deps.metrics?.callEnded(runner.campaignId, outcome);
      runner.calls.delete(call.attemptId);
      await deps.hopper.complete(runner.campaignId, call.leadId, call.lease?.token);
      if (call.presetAgent && call.agentId) await deps.agents.release(call.agentId, call.attemptId);
      if (ended) await deps.publisher.completed(ended, 'closeReason' in lead ? { closedReason: lead.closeReason } : {});
      notify(runner.campaignId);
    },
  };
  const preview = new PreviewDesk(ctx);
  desks.preview = preview;
  const handler = new CallHandler(ctx, (campaignId) => runners.get(campaignId));
  desks.handler = handler;

  /**
   * Runs a campaign here: hopper (and, with several replicas, counters) rebuilt from PostgreSQL,
   * open attempts adopted, ticking. With
   * several replicas, only under the campaign's lease (`fence` is its token) and taking the facts
   * of its calls that other replicas' consumers receive.
   */
  async function adopt(campaign: Campaign, fence?: number): Promise<CampaignRunner> {
    const existing = runners.get(campaign.campaignId);
    if (existing) return existing;
    const runner = new CampaignRunner(campaign, ctx, fence);
    // Its pacer's abandon windows start with the campaign's last hour from the store, read before
    // the runner is known here, so no fact is counted twice: later facts reach it as events (one
    // that lands in the store while the query runs reaches neither, an undercount of that instant).
    const since = runner.answersWanted();
    const answered = await deps.attempts.answersSince(campaign.campaignId, since);
    const raced = runners.get(campaign.campaignId);
    if (raced) return raced;
    runner.recallAnswers(since, answered);
    runners.set(campaign.campaignId, runner);
    const stops = [
      ...(deps.ownership ? [deps.ownership.relay.serve(campaign.campaignId, (fact) => handler.onFact(fact))] : []),
      ...(deps.earlyFacts ? [deps.earlyFacts.listen(campaign.campaignId, (fact) => handler.onEarlyFact(fact))] : []),
    ];
    unserve.set(campaign.campaignId, () => {
      for (const stop of stops) stop();
    });
    const due = await deps.leads.due(campaign.campaignId, now(), options.hopperTarget);
    await deps.hopper.rebuild(
      campaign.campaignId,
      due.map((l) => ({ leadId: l.leadId, priority: l.priority, dueAt: l.nextAttemptAt })),
      fence,
    );
    await deps.ownership?.recovery.campaign(campaign.campaignId);
    for (const attempt of await deps.attempts.open(campaign.campaignId)) handler.adopt(runner, attempt);
    // The caller-ID caps of its packs (a campaign taken over, or after a restart); without them
    // the rotation still spreads the IDs and compliance still decides each dial.
    await deps.compliance
      .setCampaignPolicy(campaign)
      .then((caps) => runner.setCallerIdCaps(caps))
      .catch((error: unknown) => log.warn({ err: error, campaignId: campaign.campaignId }, 'caller-ID caps not known'));
    if (campaign.state !== 'running') runner.pause();
    runner.start();
    log.info({ campaignId: campaign.campaignId, adopted: runner.calls.size, hopper: due.length }, 'campaign adopted');
    notify(campaign.campaignId);
    return runner;
  }

  /** Takes a campaign's lease (when free) and runs it here; undefined when another replica holds it. */
  async function claim(campaign: Campaign): Promise<CampaignRunner | undefined> {
    const existing = runners.get(campaign.campaignId);
    if (existing || !deps.ownership) return existing ?? adopt(campaign);
    const fence = await deps.ownership.leases.acquire(campaign.campaignId);
    if (fence === undefined) return undefined;
    // Recorded before anything is dialed: an older owner's attempts are refused from now on.
    if (!(await deps.campaigns.raiseFence(campaign.campaignId, fence))) {
      await deps.ownership.leases.release(campaign.campaignId);
      return undefined;
    }
    log.info({ campaignId: campaign.campaignId, fence }, 'campaign taken');
    return adopt(campaign, fence);
  }

  /** Stops running a campaign here at once (lease lost, or handed over); its calls live on for the next owner. */
  async function drop(campaignId: string): Promise<void> {
    const runner = runners.get(campaignId);
    if (!runner) return;
    runner.pause();
    runners.delete(campaignId);
    unserve.get(campaignId)?.();
    unserve.delete(campaignId);
    await runner.stop();
    for (const call of runner.calls.values()) {
      if (call.abandonTimer) clearTimeout(call.abandonTimer);
      if (call.adoptTimer) clearTimeout(call.adoptTimer);
      if (call.amdTimer) clearTimeout(call.amdTimer);
    }
    notify(campaignId);
  }

  let ownershipRounds = 0;

  /** This replica holds no more campaigns than any other live one. */
  async function leastLoaded(leases: CampaignLeases): Promise<boolean> {
    const holdings = await leases.holdings();
    const mine = holdings.get(leases.holder) ?? runners.size;
    return [...holdings].every(([holder, n]) => holder === leases.holder || mine <= n);
  }

  /**
   * The leases held, renewed all at once and on their own timer: renewing one after another, or
   * behind the round's database work on a busy replica, let them expire. A lost one stops its
   * campaign here at once.
   */
  async function renewLeases(leases: CampaignLeases): Promise<void> {
    const held = [...runners.keys()];
    const renewed = await Promise.all([leases.present(), ...held.map((campaignId) => leases.renew(campaignId))]);
    await Promise.all(
      held.map(async (campaignId, i) => {
        if (renewed[i + 1] || !runners.has(campaignId)) return;
        log.warn({ campaignId }, 'campaign lease lost: stopped running it here');
        await drop(campaignId);
      }),
    );
  }

  /**
   * One round of ownership: follow the state of the campaigns held, take free ones (the least
   * loaded replica first), and hand one over when this replica holds more than its share.
   */
  async function reconcile(ownership: Ownership): Promise<void> {
    const { leases, recovery } = ownership;
    await recovery.agents();
    const stored = await deps.campaigns.getMany([...runners.keys()]);
    await Promise.all(
      [...runners].map(async ([campaignId, runner]) => {
        // Redis lost the campaign's state: counters rebuilt from its attempts, hopper from its due leads.
        if (await recovery.campaign(campaignId)) await runner.refillIfLow(now().getTime(), true);
        const fresh = stored.get(campaignId);
        if (!fresh || fresh.state === 'stopped' || fresh.state === 'finished') {
          runner.pause();
          // Kept while its calls end (their facts come here), then given up.
          if (runner.calls.size === 0) {
            await drop(campaignId);
            await leases.release(campaignId);
          }
        } else if (fresh.state === 'paused') runner.pause();
        else if (!runner.isLaunching || fresh.version !== runner.campaign.version) runner.resume(fresh);
      }),
    );
    const active = await deps.campaigns.inStates(['running', 'paused']);
    const free = active.filter((c) => !runners.has(c.campaignId));
    for (const id of [...freeSince.keys()]) if (!free.some((c) => c.campaignId === id)) freeSince.delete(id);
    if (free.length > 0) {
      const first = await leastLoaded(leases);
      for (const campaign of free) {
        const rounds = (freeSince.get(campaign.campaignId) ?? 0) + 1;
        freeSince.set(campaign.campaignId, rounds);
        // A busier replica leaves a free campaign to the least loaded one for a round or two.
        if (!first && rounds < 3) continue;
        if (await claim(campaign)) freeSince.delete(campaign.campaignId);
      }
    }
    // The shares are looked at every few rounds (and at the first): counting them reads every lease.
    if (ownershipRounds++ % REBALANCE_EVERY_ROUNDS === 0) {
      const holdings = await leases.holdings();
      // The lines' channels and calls per second are shared by the live replicas.
      deps.lines?.shareWith(holdings.size);
      await handOverExcess(leases, holdings, active.length);
    }
  }

  /**
   * More than a fair share (and one to spare, so two replicas do not pass a campaign back and
   * forth): the campaign with the fewest calls in flight is handed over, one a round. Its calls
   * live on; the next owner adopts them from PostgreSQL, as after a drain.
   */
  async function handOverExcess(
    leases: CampaignLeases,
    holdings: ReadonlyMap<string, number>,
    activeCampaigns: number,
  ): Promise<void> {
    if (runners.size < 2) return;
    const share = Math.ceil(activeCampaigns / Math.max(1, holdings.size));
    if (runners.size <= share + 1) return;
    const [campaignId] = [...runners].sort(([, a], [, b]) => a.calls.size - b.calls.size)[0]!;
    log.info({ campaignId, held: runners.size, share }, "campaign handed over: more than this replica's share");
    await drop(campaignId);
    await leases.release(campaignId);
    // Not taken back at once: a free campaign waits for busier replicas.
    freeSince.set(campaignId, 0);
  }

  /** Agents' changes: the pacer's agent events, and waiting calls try the agent who became ready. */
  function onAgentChange(agent: Agent, previous: Agent | undefined): void {
    if (previous?.state === agent.state) return;
    const id = ctx.agentNumber(agent.agentId);
    for (const campaignId of agent.campaignIds) {
      const runner = runners.get(campaignId);
      if (!runner) continue;
      const tMs = runner.t();
      if (agent.state === 'ready') {
        runner.feed({ type: 'agent_ready', tMs, agentId: id, login: !previous || previous.state === 'logged_out' });
        void handler
          .retryWaiting(runner)
          .catch((error: unknown) => log.warn({ err: error, campaignId }, 'waiting calls not connected'));
      } else if (agent.state === 'talking') {
        const call = agent.attemptId ? runner.calls.get(agent.attemptId) : undefined;
        runner.feed({ type: 'agent_busy', tMs, agentId: id, callId: call?.pacerId ?? 0 });
      } else if (agent.state === 'wrap_up') runner.feed({ type: 'agent_wrapup', tMs, agentId: id });
      else if (agent.state === 'logged_out') runner.feed({ type: 'agent_logout', tMs, agentId: id });
      notify(campaignId);
    }
  }

  /** attempts.completed not yet published (a crash between finish and publish); one bad attempt does not block the rest. */
  async function republish(): Promise<number> {
    let published = 0;
    for (;;) {
      const batch = await deps.attempts.unpublished(100);
      let done = 0;
      for (const attempt of batch) {
        try {
          const lead = await deps.leads.get(attempt.campaignId, attempt.leadId);
          await deps.publisher.completed(
            attempt,
            lead?.status === 'closed' && lead.closedReason ? { closedReason: lead.closedReason } : {},
          );
          done++;
        } catch (error) {
          log.warn({ err: error, attemptId: attempt.attemptId }, 'attempts.completed not republished');
        }
      }
      published += done;
      if (batch.length < 100 || done === 0) return published;
    }
  }

  /** Runs a started or resumed campaign here; with replicas, one that fails here is taken at the next round. */
  async function runHere(campaign: Campaign): Promise<void> {
    try {
      (await claim(campaign))?.resume(campaign);
    } catch (error) {
      if (!deps.ownership) throw error;
      log.warn(
        { err: error, campaignId: campaign.campaignId },
        'campaign not taken now; the next ownership round takes it',
      );
    }
    notify(campaign.campaignId);
  }

  // The campaign has moved when these run (compliance knew its policy before): nothing here may
  // fail the command. The caller-ID caps come with the policy when a replica adopts the campaign.
  const runtime: CampaignRuntime = {
    async started(campaign) {
      // Held by another replica: it sees the new state at its next round. Not taken here when
      // another replica holds fewer: it takes the campaign at its next round.
      const ownership = deps.ownership;
      if (ownership && !runners.has(campaign.campaignId) && !(await leastLoaded(ownership.leases))) {
        notify(campaign.campaignId);
        return;
      }
      await runHere(campaign);
    },
    async paused(campaign) {
      runners.get(campaign.campaignId)?.pause();
      notify(campaign.campaignId);
    },
    async resumed(campaign) {
      await runHere(campaign);
    },
    async stopped(campaign) {
      // Calls in flight end normally (their facts still arrive); nothing new is launched.
      const runner = runners.get(campaign.campaignId);
      runner?.pause();
      await deps.hopper.clear(campaign.campaignId);
      notify(campaign.campaignId);
    },
  };

  /**
   * The leads' counts (a count over the campaign's leads) shared for a second by every figures
   * update of the campaign: a busy campaign's watchers would otherwise run it several times a second.
   */
  const leadCountsCache = new Map<string, { atMs: number; counts: ReturnType<CampaignLeadStore['counts']> }>();
  function leadCounts(campaignId: string): ReturnType<CampaignLeadStore['counts']> {
    const nowMs = now().getTime();
    const cached = leadCountsCache.get(campaignId);
    if (cached && nowMs - cached.atMs < 1_000) return cached.counts;
    const counts = deps.leads.counts(campaignId);
    leadCountsCache.set(campaignId, { atMs: nowMs, counts });
    counts.catch(() => leadCountsCache.delete(campaignId));
    if (leadCountsCache.size > 1_000) leadCountsCache.delete(leadCountsCache.keys().next().value!);
    return counts;
  }

  const figures: FiguresSource = {
    async current(campaignId): Promise<CampaignFigures> {
      const runner = runners.get(campaignId);
      const [campaign, counters, agents, hopper, leadsByStatus] = await Promise.all([
        deps.campaigns.get(campaignId),
        deps.counters.read(campaignId),
        deps.agents.counts(campaignId),
        deps.hopper.size(campaignId),
        leadCounts(campaignId),
      ]);
      const n = (name: string) => counters[name] ?? 0;
      const byPrefix = (prefix: string) =>
        Object.fromEntries(
          Object.entries(counters)
            .filter(([k]) => k.startsWith(prefix))
            .map(([k, v]) => [k.slice(prefix.length), v]),
        );
      const liveAnswers = Math.max(0, n('answered') - n('machines'));
      const live = runner ? [...runner.calls.values()] : [];
      const mode = campaign?.settings.modeSettings;
      const unbridged = live.filter((c) => !c.bridged).length;
      return {
        campaignId,
        state: campaign?.state ?? 'stopped',
        at: now(),
        dialed: n('dialed'),
        ringing: live.filter((c) => c.state === 'ringing' || c.state === 'dialing').length,
        answered: n('answered'),
        connected: n('connected'),
        abandoned: n('abandoned'),
        machines: n('machines'),
        // Another replica runs the campaign: its calls in flight are its leads in flight.
        inFlight: runner ? live.length : leadsByStatus.inFlight,
        abandonRate: liveAnswers > 0 ? n('abandoned') / liveAnswers : 0,
        abandonWindows: (runner?.abandonWindows() ?? []).map((w) => ({
          ...w,
          budgetLeft: Math.max(0, Math.floor(w.limit * w.answered - w.abandoned)),
        })),
        agents,
        occupancy: agents.loggedIn > 0 ? (agents.talking + agents.reserved) / agents.loggedIn : 0,
        pacingRatio:
          mode?.mode === 'progressive'
            ? mode.ratio
            : unbridged / Math.max(1, agents.ready + agents.reserved + agents.talking),
        deniedByReason: byPrefix('denied:'),
        failedByCause: byPrefix('failed:'),
        leadsInHopper: hopper,
        leadsClosed: leadsByStatus.closed,
      };
    },
    onChange(campaignId, listener) {
      let set = listeners.get(campaignId);
      if (!set) listeners.set(campaignId, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(campaignId);
      };
    },
  };

  return {
    runtime,
    figures,
    preview,
    async start() {
      stopping = false;
      unsubscribeAgents = deps.agents.onChange(onAgentChange);
      const ownership = deps.ownership;
      if (ownership) {
        await ownership.leases.present();
        await reconcile(ownership);
        ownershipTimer = setInterval(() => {
          if (!renewing)
            renewing = renewLeases(ownership.leases)
              .catch((error: unknown) => log.warn({ err: error }, 'campaign leases not renewed'))
              .finally(() => (renewing = undefined));
          if (!reconciling)
            reconciling = reconcile(ownership)
              .catch((error: unknown) => log.warn({ err: error }, 'campaign ownership round failed'))
              .finally(() => (reconciling = undefined));
        }, ownership.everyMs);
      } else for (const campaign of await deps.campaigns.inStates(['running', 'paused'])) await adopt(campaign);
      await republish();
      republishTimer = setInterval(() => {
        void republish().catch((error: unknown) => log.warn({ err: error }, 'republish failed'));
      }, options.republishEveryMs);
      republishTimer.unref();
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      if (republishTimer) clearInterval(republishTimer);
      if (ownershipTimer) clearInterval(ownershipTimer);
      await Promise.all([reconciling, renewing]);
      unsubscribeAgents?.();
      await preview.withdrawAll();
      const held = [...runners.keys()];
      await Promise.all(held.map((campaignId) => drop(campaignId)));
      // Handed over at once: another replica takes them at its next round, not after the TTL.
      if (deps.ownership) {
        await deps.ownership.leases.leave();
        for (const campaignId of held) await deps.ownership.leases.release(campaignId);
      }
    },
    async onCallFact(fact) {
      // Another replica's campaign: its owner holds the call; with no owner now, the fact is
      // recorded here and the next owner adopts the attempt from PostgreSQL.
      if (deps.ownership && !runners.has(fact.campaignId)) {
        if ((await deps.ownership.relay.forward(fact)) === 'handled') return;
      }
      await handler.onFact(fact);
    },
    async onTask(task) {
      const existing = await deps.leads.get(task.campaignId, task.leadId);
      const listId = existing?.listId ?? (await deps.leadDirectory.getLead(task.leadId, { reveal: false }))?.listId;
      if (!listId) {
        log.warn({ campaignId: task.campaignId, leadId: task.leadId }, 'task for an unknown lead; ignored');
        return;
      }
      const dueAt = task.notBefore ?? now();
      await deps.leads.schedule(task.campaignId, {
        leadId: task.leadId,
        listId,
        priority: task.priority,
        nextAttemptAt: dueAt,
        ...(task.agentId ? { agentId: task.agentId } : {}),
        ...(task.script ? { script: task.script } : {}),
        ...(task.lineClass ? { lineClass: task.lineClass } : {}),
      });
      const lead = await deps.leads.get(task.campaignId, task.leadId);
      const runner = runners.get(task.campaignId);
      if (runner && lead?.status === 'open' && dueAt.getTime() <= now().getTime())
        await deps.hopper.add(
          task.campaignId,
          [{ leadId: lead.leadId, priority: lead.priority, dueAt: lead.nextAttemptAt }],
          runner.fence,
        );
    },
    republish,
    running: () => [...runners.keys()],
    views: () =>
      [...runners.values()].map((runner) => ({
        campaignId: runner.campaignId,
        activeCalls: runner.calls.size,
        tick: runner.lastTick,
        abandonWindows: runner.abandonWindows(),
      })),
  };
}

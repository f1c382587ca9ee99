// The life of a placed call, driven by media's calls.* facts (delivered at least once, in any
// order across kinds): the timeline goes to the attempt row (first values kept), the pacer hears
// of it, an answered call goes to an agent within ABANDON_AFTER_MS or is abandoned (message,
// hang-up, calls.abandoned), a machine gets the campaign's action, an agentless call plays its
// prompt and takes one digit, and the hang-up ends the attempt with its outcome and the lead's
// next step (retry or close) and publishes attempts.completed.

import { CAUSE_ATTEMPT_VOIDED, CAUSE_CALL_GONE, callOutcome, pacerFailCause } from '../domain/call-outcome.js';
import type { Agent, Attempt, Disposition } from '../domain/model.js';
import type { CampaignRunner, EngineContext, LiveCall } from './campaign-runner.js';
import type { CallFact } from './engine-deps.js';
import { CallGoneError } from './ports.js';

export type { CallFact } from './engine-deps.js';

/** Digit an agentless customer presses: interested, or opt out. */
const DIGIT_INTERESTED = '1';
const DIGIT_OPT_OUT = '2';

export class CallHandler {
  constructor(
    private readonly ctx: EngineContext,
    /** The runner of a campaign this engine runs, adopting the attempt when it is open but unknown here. */
    private readonly runnerFor: (campaignId: string) => CampaignRunner | undefined,
  ) {}

  /** One fact from calls.*; unknown attempts are ignored (another campaign's or long ended). */
  async onFact(fact: CallFact): Promise<void> {
    const { deps, log } = this.ctx;
    const runner = this.runnerFor(fact.campaignId);
    let call = runner?.calls.get(fact.attemptId);
    if (!runner || !call) {
      const attempt = await deps.attempts.get(fact.attemptId);
      if (!attempt || attempt.outcome !== undefined || attempt.timeline.endedAt) {
        // A fact late for an ended attempt (its owner died before writing it, and the hang-up came
        // first) still fills the row's gaps: the record of the call must hold its id and timeline.
        if (attempt) await this.recordFact(fact);
        log.debug({ attemptId: fact.attemptId, kind: fact.kind }, 'call event for no open attempt; nothing to act on');
        return;
      }
      if (!runner) {
        // An open attempt of a campaign not running here: record the fact; end it on hang-up.
        await this.recordFact(fact);
        if (fact.kind === 'hangup') await this.finishStored(attempt, fact);
        return;
      }
      call = this.adopt(runner, attempt);
    }
    if (!call.callId) {
      call.callId = fact.callId;
      call.node = fact.node;
    }
    call.lastFactAtMs = this.ctx.now().getTime();
    if (fact.kind === 'hangup') {
      // The attempt is ended from its row: the row holds the fact first.
      await this.recordFact(fact);
      return this.hangup(runner, call, fact);
    }
    // The row is written beside the call's handling (an answer is served without waiting for
    // the database); the fact is done, and acknowledged, when both are.
    const recorded = this.recordFact(fact);
    // Its failure is met by the await below; until then it must not count as unhandled.
    recorded.catch(() => undefined);
    try {
      await this.act(runner, call, fact);
    } finally {
      await recorded;
    }
  }

  /**
   * An answer or AMD verdict heard as it was published, before its durable copy: a call of a
   * campaign run here is served at once. Nothing is recorded (the durable copy records it and
   * then finds it served); a fact for a call not known here waits for its durable copy.
   */
  onEarlyFact(fact: CallFact): void {
    if (fact.kind !== 'answered' && fact.kind !== 'amd') return;
    const runner = this.runnerFor(fact.campaignId);
    const call = runner?.calls.get(fact.attemptId);
    if (!runner || !call) return;
    if (!call.callId) {
      call.callId = fact.callId;
      call.node = fact.node;
    }
    call.lastFactAtMs = this.ctx.now().getTime();
    void runner
      .track(this.act(runner, call, fact))
      .catch((error: unknown) =>
        this.ctx.log.warn({ err: error, attemptId: fact.attemptId }, 'early call fact not handled'),
      );
  }

  private async act(runner: CampaignRunner, call: LiveCall, fact: Exclude<CallFact, { kind: 'hangup' }>) {
    switch (fact.kind) {
      case 'originated':
        return;
      case 'ringing':
        await this.ctx.deps.counters.countOnce(runner.campaignId, call.attemptId, 'ringing', ['ringing']);
        if (call.state === 'dialing') call.state = 'ringing';
        this.ctx.notify(runner.campaignId);
        return;
      case 'answered':
        return this.answered(runner, call, fact.at);
      case 'amd':
        return this.amd(runner, call, fact.verdict);
      case 'bridged':
        return;
    }
  }

  /** Rebuilds the in-memory view of an open attempt (after a restart, or a call placed by another owner). */
  adopt(runner: CampaignRunner, attempt: Attempt): LiveCall {
    const existing = runner.calls.get(attempt.attemptId);
    if (existing) return existing;
    const t = attempt.timeline;
    const state = t.bridgedAt ? 'with_agent' : t.answeredAt ? 'waiting' : attempt.callId ? 'ringing' : 'dialing';
    const call = runner.newCall(attempt.attemptId, attempt.leadId, state);
    if (attempt.callId) call.callId = attempt.callId;
    if (attempt.node) call.node = attempt.node;
    if (attempt.agentId) call.agentId = attempt.agentId;
    if (attempt.amdVerdict) call.amdVerdict = attempt.amdVerdict;
    call.bridged = t.bridgedAt !== undefined;
    call.abandoned = t.abandonedAt !== undefined;
    if (t.answeredAt) call.answeredAtMs = t.answeredAt.getTime();
    // Adopted: silent from now on counts as silent (its hang-up may have been lost with its owner).
    call.lastFactAtMs = this.ctx.now().getTime();
    if (!attempt.callId) {
      void runner
        .track(this.settleUnconfirmed(runner, call))
        .catch((error: unknown) =>
          this.ctx.log.error({ err: error, attemptId: call.attemptId }, 'adopted attempt not settled'),
        );
    } else if (state === 'waiting' && !call.abandoned) {
      // Answered before the restart and not with an agent: try now; the 2 s from answer may be over.
      this.armAbandon(runner, call);
      void this.connect(runner, call);
    }
    return call;
  }

  /**
   * An adopted attempt with no call id: its owner died between the compliance check and media's
   * reply, or the facts naming its call wait in that owner's unacknowledged deliveries. Voided,
   * it was never placed and never will be: ended now, its lead due again (not counted as a try).
   * Placed, its call is known from the claim; its facts follow.
   */
  private async settleUnconfirmed(runner: CampaignRunner, call: LiveCall): Promise<void> {
    const { deps, log } = this.ctx;
    const placed = await deps.placements.void(call.attemptId).catch((error: unknown) => {
      log.warn({ err: error, attemptId: call.attemptId }, 'placement not known: waiting for the call facts');
      return undefined;
    });
    if (placed === undefined) return this.awaitFacts(runner, call);
    if (!runner.calls.has(call.attemptId)) return;
    if (placed === 'voided') {
      log.info({ campaignId: runner.campaignId, attemptId: call.attemptId }, 'adopted attempt never placed: voided');
      return this.ctx.finishWithoutCall(runner, call, 'failed', { retryAt: this.ctx.now() }, CAUSE_ATTEMPT_VOIDED);
    }
    if (!call.callId) {
      call.callId = placed.callId;
      call.node = placed.node;
    }
    await deps.attempts.record(call.attemptId, { callId: placed.callId, node: placed.node });
  }

  /** Placement unknown: without any fact within the grace time the attempt ends as failed. */
  private awaitFacts(runner: CampaignRunner, call: LiveCall): void {
    call.adoptTimer = setTimeout(() => {
      if (call.callId || !runner.calls.has(call.attemptId)) return;
      void this.ctx
        .finishWithoutCall(runner, call, 'failed', { retryAt: this.ctx.now() }, 'NOT_ORIGINATED')
        .catch((error: unknown) =>
          this.ctx.log.error({ err: error, attemptId: call.attemptId }, 'adopted attempt not ended'),
        );
    }, this.ctx.options.adoptGraceMs);
    call.adoptTimer.unref();
  }

  private async recordFact(fact: CallFact): Promise<void> {
    const at = fact.at;
    const attempts = this.ctx.deps.attempts;
    switch (fact.kind) {
      case 'originated':
        return attempts.record(fact.attemptId, { callId: fact.callId, node: fact.node, originatedAt: at });
      case 'ringing':
        return attempts.record(fact.attemptId, { ringingAt: at });
      case 'answered':
        return attempts.record(fact.attemptId, { answeredAt: at });
      case 'amd':
        return attempts.record(fact.attemptId, { amdVerdict: fact.verdict, amdAt: at });
      case 'bridged':
        return attempts.record(fact.attemptId, { bridgedAt: at, agentCallId: fact.agentCallId });
      case 'hangup':
        // Its originated, answered and bridged facts may wait in a dead owner's unacknowledged
        // deliveries (until the ack wait runs out): the hang-up names the call, answer and bridge too.
        return attempts.record(fact.attemptId, {
          callId: fact.callId,
          node: fact.node,
          ...(fact.answeredAt ? { answeredAt: fact.answeredAt } : {}),
          ...(fact.bridge ? { bridgedAt: fact.bridge.at, agentCallId: fact.bridge.agentCallId } : {}),
        });
    }
  }

  private async answered(runner: CampaignRunner, call: LiveCall, at: Date): Promise<void> {
    if (call.answeredAtMs !== undefined || call.state === 'ending') return;
    // A switch whose clock runs ahead of ours must not lengthen the customer's wait for an agent.
    call.answeredAtMs = Math.min(at.getTime(), this.ctx.now().getTime());
    // Counted beside serving the call: the count is for the figures, the customer is waiting now.
    const counted = this.ctx.deps.counters.countOnce(runner.campaignId, call.attemptId, 'answered', ['answered']);
    counted.catch(() => undefined);
    try {
      await this.serveAnswer(runner, call, call.answeredAtMs);
    } finally {
      await counted;
      this.ctx.notify(runner.campaignId);
    }
  }

  /** With AMD on, the verdict first (at most AMD_WAIT_MS); then the call is served. */
  private async serveAnswer(runner: CampaignRunner, call: LiveCall, answeredAtMs: number): Promise<void> {
    const settings = runner.campaign.settings;
    if (settings.amd && call.amdVerdict === undefined) {
      call.state = 'amd';
      // A verdict that is late (a detector that only listens for a beep, a slow node) must not
      // hold a person past the 2-second rule: after AMD_WAIT_MS the call is served as unknown.
      call.amdTimer = setTimeout(
        () => {
          void runner
            .track(this.amd(runner, call, 'unknown'))
            .catch((error: unknown) =>
              this.ctx.log.error({ err: error, attemptId: call.attemptId }, 'AMD wait failed'),
            );
        },
        Math.max(0, answeredAtMs + this.ctx.options.amdWaitMs - this.ctx.now().getTime()),
      );
      return;
    }
    await this.live(runner, call);
  }

  private async amd(runner: CampaignRunner, call: LiveCall, verdict: 'human' | 'machine' | 'unknown'): Promise<void> {
    // The first verdict decides; one that comes after the wait ran out changes nothing.
    if (call.amdVerdict !== undefined) return;
    call.amdVerdict = verdict;
    if (call.amdTimer) clearTimeout(call.amdTimer);
    if (call.answeredAtMs === undefined || call.state === 'ending') return;
    await this.live(runner, call);
  }

  /** The answer is known to be a person (or a machine with its verdict): serve it. */
  private async live(runner: CampaignRunner, call: LiveCall): Promise<void> {
    const settings = runner.campaign.settings;
    const machine = call.amdVerdict === 'machine';
    const answeredAtMs = call.answeredAtMs ?? this.ctx.now().getTime();
    runner.feed({
      type: 'call_answered',
      tMs: runner.t(),
      callId: call.pacerId,
      detected: machine ? 'machine' : 'human',
      answeredAtMs: Math.max(0, runner.t() - (this.ctx.now().getTime() - answeredAtMs)),
    });
    if (machine) {
      await this.ctx.deps.counters.countOnce(runner.campaignId, call.attemptId, 'machine', ['machines']);
      if (settings.machineAction !== 'pass_to_agent' || settings.modeSettings.mode === 'agentless') {
        call.state = 'ending';
        if (settings.machineAction === 'leave_message' && settings.machineMessage)
          await this.quietly(call, 'play', () => this.ctx.deps.calls.play(call.callId!, settings.machineMessage));
        runner.feed({
          type: 'call_ended',
          tMs: runner.t(),
          callId: call.pacerId,
          reason: 'amd_machine_hangup',
          disposition: 'machine',
        });
        await this.quietly(call, 'hangup', () => this.ctx.deps.calls.hangup(call.callId!, 'NORMAL_CLEARING'));
        return;
      }
    }
    // Serving the call (an agent's phone ringing, a prompt played) takes seconds: it goes on
    // beside the fact's handling, which returns at once so the next call's fact is not held up.
    // A crash meanwhile loses nothing: an adopted answered call is served again from its row.
    if (settings.modeSettings.mode === 'agentless') {
      this.beside(runner, call, 'agentless call not served', () => this.robot(runner, call));
      return;
    }
    call.state = 'waiting';
    this.armAbandon(runner, call);
    this.beside(runner, call, 'answered call not connected', () => this.connect(runner, call));
  }

  private beside(runner: CampaignRunner, call: LiveCall, failure: string, work: () => Promise<unknown>): void {
    void runner
      .track(work())
      .catch((error: unknown) => this.ctx.log.error({ err: error, attemptId: call.attemptId }, failure));
  }

  private armAbandon(runner: CampaignRunner, call: LiveCall): void {
    if (call.abandonTimer) return;
    const left =
      (call.answeredAtMs ?? this.ctx.now().getTime()) + this.ctx.options.abandonAfterMs - this.ctx.now().getTime();
    call.abandonTimer = setTimeout(
      () => {
        void runner
          .track(this.abandon(runner, call))
          .catch((error: unknown) => this.ctx.log.error({ err: error, attemptId: call.attemptId }, 'abandon failed'));
      },
      Math.max(0, left),
    );
  }

  /** Calls of the campaign still waiting for an agent try again (an agent became ready). */
  async retryWaiting(runner: CampaignRunner): Promise<void> {
    const waiting = [...runner.calls.values()]
      .filter((c) => c.state === 'waiting')
      .sort((a, b) => (a.answeredAtMs ?? 0) - (b.answeredAtMs ?? 0));
    for (const call of waiting) if (!(await this.connect(runner, call))) return;
  }

  /** Reserves the longest-idle ready agent with the skills, pops the screen, bridges. False: no agent. */
  async connect(runner: CampaignRunner, call: LiveCall): Promise<boolean> {
    if (call.state !== 'waiting' || !call.callId) return true;
    const { deps } = this.ctx;
    call.state = 'connecting';
    const request = {
      campaignId: runner.campaignId,
      attemptId: call.attemptId,
      leadId: call.leadId,
      skills: runner.campaign.settings.requiredSkills,
    };
    // Preview: the agent who accepted (reserved already). A follow-up bound to an agent: that
    // agent first, then anyone rather than abandoning the customer.
    let agent: Agent | undefined;
    let readySinceMs: number | undefined;
    if (call.presetAgent && call.agentId) agent = await deps.agents.get(call.agentId);
    else {
      const reserved =
        (call.agentId ? await deps.agents.reserve({ ...request, agentId: call.agentId }) : undefined) ??
        (await deps.agents.reserve(request));
      agent = reserved;
      readySinceMs = reserved?.readySinceMs;
    }
    if (!agent) {
      if (call.state === 'connecting') call.state = 'waiting';
      return false;
    }
    if (call.state !== 'connecting') {
      // Abandoned or hung up while the agent was being reserved.
      await deps.agents.release(agent.agentId, call.attemptId);
      return true;
    }
    call.agentId = agent.agentId;
    // The bridge is asked for first (the 2-second rule leaves no time to spare); the attempt's
    // agent and the screen pop follow while the agent's phone rings.
    const bridgeRequestedAt = this.ctx.now();
    const bridging = deps.calls.bridge(call.callId, agent.endpoint);
    const desk = (async () => {
      await deps.attempts.record(call.attemptId, {
        agentId: agent.agentId,
        ...(readySinceMs === undefined ? {} : { agentReadyAt: new Date(readySinceMs) }),
      });
      const attempt = await deps.attempts.get(call.attemptId);
      if (attempt) await deps.desk.screenPop(agent.agentId, attempt);
    })().catch((error: unknown) =>
      this.ctx.log.warn({ err: error, attemptId: call.attemptId }, 'agent not recorded or screen not popped'),
    );
    try {
      const { agentCallId } = await bridging;
      await desk;
      if (call.state !== 'connecting') {
        // The call ended while the agent's phone was being joined: the agent is free again.
        await deps.agents.release(agent.agentId, call.attemptId);
        return true;
      }
      call.state = 'with_agent';
      call.bridged = true;
      if (call.abandonTimer) clearTimeout(call.abandonTimer);
      await deps.attempts.record(call.attemptId, { bridgedAt: this.ctx.now(), agentCallId, bridgeRequestedAt });
      await deps.agents.startTalking(agent.agentId, call.attemptId);
      await deps.counters.countOnce(runner.campaignId, call.attemptId, 'connected', ['connected']);
      const waitedMs = this.ctx.now().getTime() - (call.answeredAtMs ?? this.ctx.now().getTime());
      deps.metrics?.answerToBridge(runner.campaignId, waitedMs / 1000);
      runner.feed({
        type: 'call_connected_to_agent',
        tMs: runner.t(),
        callId: call.pacerId,
        agentId: this.ctx.agentNumber(agent.agentId),
        waitedMs,
      });
      this.ctx.notify(runner.campaignId);
      return true;
    } catch (error) {
      await desk;
      await deps.agents.release(agent.agentId, call.attemptId);
      if (error instanceof CallGoneError) {
        // The customer left before the bridge: its hang-up ends the attempt; nobody else is tried.
        if (call.state === 'connecting') call.state = 'ending';
        return true;
      }
      // The agent's phone did not take it: free the agent; try another in time.
      this.ctx.log.warn({ err: error, attemptId: call.attemptId, agentId: agent.agentId }, 'bridge failed');
      if (call.state === 'connecting') {
        call.state = 'waiting';
        if (call.presetAgent) call.presetAgent = false;
        // The abandon timer fired while the bridge was being tried: no more time for another agent.
        const deadline = (call.answeredAtMs ?? 0) + this.ctx.options.abandonAfterMs;
        if (this.ctx.now().getTime() >= deadline) await this.abandon(runner, call);
      }
      return false;
    }
  }

  /** No agent within the time: the identification message, hang up, calls.abandoned, counted. */
  private async abandon(runner: CampaignRunner, call: LiveCall): Promise<void> {
    if (call.state !== 'waiting' || call.bridged || !call.callId) return;
    const { deps } = this.ctx;
    call.state = 'ending';
    call.abandoned = true;
    const waitedMs = Math.max(0, this.ctx.now().getTime() - (call.answeredAtMs ?? this.ctx.now().getTime()));
    await deps.attempts.record(call.attemptId, { abandonedAt: this.ctx.now() });
    if (await deps.counters.countOnce(runner.campaignId, call.attemptId, 'abandoned', ['abandoned']))
      await deps.publisher.abandoned({
        campaignId: runner.campaignId,
        leadId: call.leadId,
        attemptId: call.attemptId,
        callId: call.callId,
        node: call.node ?? 'unknown',
        waitedMs: Math.round(waitedMs),
      });
    runner.feed({ type: 'call_abandoned', tMs: runner.t(), callId: call.pacerId, waitedMs });
    this.ctx.notify(runner.campaignId);
    const message = runner.campaign.settings.abandonMessage;
    if (message) await this.quietly(call, 'play', () => deps.calls.play(call.callId!, message));
    await this.quietly(call, 'hangup', () => deps.calls.hangup(call.callId!, 'NORMAL_CLEARING'));
  }

  /** Agentless: the prompt, one digit: 1 = interested (intent A), 2 = opt out. */
  private async robot(runner: CampaignRunner, call: LiveCall): Promise<void> {
    const mode = runner.campaign.settings.modeSettings;
    if (mode.mode !== 'agentless' || !call.callId) return;
    const { deps } = this.ctx;
    call.state = 'robot';
    await deps.counters.countOnce(runner.campaignId, call.attemptId, 'connected', ['connected']);
    this.ctx.notify(runner.campaignId);
    let digits = '';
    try {
      await deps.calls.play(call.callId, mode.prompt);
      digits = await deps.calls.collectDtmf(call.callId, { maxDigits: 1, timeoutMs: mode.digitTimeoutMs });
    } catch (error) {
      // The customer hung up during the prompt, most often; the hang-up ends the attempt.
      this.ctx.log.debug({ err: error, attemptId: call.attemptId }, 'agentless prompt ended early');
    }
    if (digits) await deps.attempts.record(call.attemptId, { digits });
    if (digits === DIGIT_INTERESTED) {
      const disposition: Disposition = {
        intent: 'A',
        code: 'dtmf_interested',
        notes: '',
        followUpSameAgent: false,
        agentId: 'agentless',
        setAt: this.ctx.now(),
      };
      await deps.attempts.setDisposition(call.attemptId, disposition);
    } else if (digits === DIGIT_OPT_OUT) {
      const phone = call.phone ?? (await deps.leadDirectory.getLead(call.leadId, { reveal: true }))?.phone;
      if (phone) {
        await deps.compliance.optOut({
          campaignId: runner.campaignId,
          leadId: call.leadId,
          attemptId: call.attemptId,
          phone,
        });
        call.optedOut = true;
      }
    }
    call.state = 'ending';
    await this.quietly(call, 'hangup', () => deps.calls.hangup(call.callId!, 'NORMAL_CLEARING'));
  }

  private async hangup(
    runner: CampaignRunner,
    call: LiveCall,
    fact: Extract<CallFact, { kind: 'hangup' }>,
  ): Promise<void> {
    // Once at a time; a failed one is done again by the fact's redelivery (or the next check).
    if (call.hungUp) return;
    call.hungUp = true;
    try {
      await this.endCall(runner, call, fact);
    } catch (error) {
      call.hungUp = false;
      throw error;
    }
  }

  private async endCall(
    runner: CampaignRunner,
    call: LiveCall,
    fact: Extract<CallFact, { kind: 'hangup' }>,
  ): Promise<void> {
    if (call.abandonTimer) clearTimeout(call.abandonTimer);
    if (call.adoptTimer) clearTimeout(call.adoptTimer);
    if (call.amdTimer) clearTimeout(call.amdTimer);
    const previous = call.state;
    call.state = 'ending';
    const attempt = await this.ctx.deps.attempts.get(call.attemptId);
    if (!attempt) return;
    const settings = runner.campaign.settings;
    const answered = fact.answered || call.answeredAtMs !== undefined || attempt.timeline.answeredAt !== undefined;
    const bridged = call.bridged || attempt.timeline.bridgedAt !== undefined;
    const abandoned = call.abandoned || attempt.timeline.abandonedAt !== undefined;
    const outcome = callOutcome({
      cause: fact.cause,
      sipStatus: fact.sipStatus,
      answered,
      bridged,
      abandoned,
      amdVerdict: call.amdVerdict ?? attempt.amdVerdict,
      agentless: settings.modeSettings.mode === 'agentless',
    });
    // A switch that throttled the originate says nothing about the line.
    const lineFailed = outcome === 'network_failure' && fact.cause !== 'MEDIA_NODE_OVERLOADED';
    if (call.line) this.ctx.lineEnded(call.line, answered ? 'answered' : lineFailed ? 'failed' : 'unanswered');
    // The pacer: failures before answer, abandons of customers who left while waiting, call ends.
    if (!answered)
      runner.feed({ type: 'call_failed', tMs: runner.t(), callId: call.pacerId, cause: pacerFailCause(outcome) });
    // A bridge this process never heard of (its fact waiting for a dead owner's ack) still counts.
    else if ((previous === 'waiting' || previous === 'connecting') && !bridged) {
      const waitedMs = this.ctx.now().getTime() - (call.answeredAtMs ?? this.ctx.now().getTime());
      if (!abandoned) runner.feed({ type: 'call_abandoned', tMs: runner.t(), callId: call.pacerId, waitedMs });
      runner.feed({ type: 'call_ended', tMs: runner.t(), callId: call.pacerId, reason: 'abandoned' });
    } else if (bridged) {
      const agentId = call.agentId ?? attempt.agentId;
      runner.feed({
        type: 'call_ended',
        tMs: runner.t(),
        callId: call.pacerId,
        reason: 'completed',
        ...(agentId ? { agentId: this.ctx.agentNumber(agentId) } : {}),
        disposition: 'human',
      });
    }
    if (answered && previous === 'waiting' && !abandoned && !bridged)
      await this.ctx.deps.counters.countOnce(runner.campaignId, call.attemptId, 'abandoned', ['abandoned']);
    if (!answered)
      await this.ctx.deps.counters.countOnce(runner.campaignId, call.attemptId, 'failed', [`failed:${fact.cause}`]);
    await this.finish(runner, call, attempt, outcome, fact);
  }

  private async finish(
    runner: CampaignRunner,
    call: LiveCall,
    attempt: Attempt,
    outcome: ReturnType<typeof callOutcome>,
    fact: Extract<CallFact, { kind: 'hangup' }>,
  ): Promise<void> {
    const { deps } = this.ctx;
    const settings = runner.campaign.settings;
    const earlier = await deps.attempts.outcomesOf(runner.campaignId, call.leadId);
    const lead = call.optedOut
      ? { closeReason: 'opted_out' }
      : deps.nextStep(settings.retryRules, settings.maxAttemptsPerLead, earlier, outcome, this.ctx.now());
    const ended = await deps.attempts.finish(call.attemptId, {
      outcome,
      endedAt: fact.at,
      hangupCause: fact.cause,
      ...(fact.sipStatus === undefined ? {} : { sipStatus: fact.sipStatus }),
      billsec: fact.billsec,
      lead,
    });
    if (ended) deps.metrics?.callEnded(runner.campaignId, outcome);
    runner.calls.delete(call.attemptId);
    await deps.hopper.complete(runner.campaignId, call.leadId, call.lease?.token);
    const agentId = call.agentId ?? attempt.agentId;
    if (agentId && !call.presetAgent) {
      if (call.bridged || attempt.timeline.bridgedAt) {
        await deps.agents.callEnded(agentId, call.attemptId);
        // The attempt as stored (ended just now, or by an earlier delivery of this hang-up).
        const final = ended ?? (await deps.attempts.get(call.attemptId));
        if (final) await this.quietly(call, 'desk', () => deps.desk.callEnded(agentId, final));
      }
    } else if (agentId && call.presetAgent) {
      // Preview: the agent reserved for this call is done with it either way.
      if (call.bridged) await deps.agents.callEnded(agentId, call.attemptId);
      else await deps.agents.release(agentId, call.attemptId);
    }
    if (ended) await deps.publisher.completed(ended, 'closeReason' in lead ? { closedReason: lead.closeReason } : {});
    this.ctx.notify(runner.campaignId);
  }

  /**
   * Calls held here whose rows another replica ended: with no replica running the campaign, their
   * hang-ups were taken there (finishStored) after this owner had adopted them open. Each is ended
   * here as its hang-up, read back from the row, would have ended it: line, pacer, agent, hopper.
   */
  async endEndedElsewhere(runner: CampaignRunner, calls: readonly LiveCall[]): Promise<void> {
    if (calls.length === 0) return;
    const ended = await this.ctx.deps.attempts.ended(calls.map((c) => c.attemptId));
    for (const attempt of ended) {
      const call = runner.calls.get(attempt.attemptId);
      if (!call || call.hungUp) continue;
      this.ctx.log.info(
        { campaignId: runner.campaignId, attemptId: attempt.attemptId },
        'call ended by another replica',
      );
      const t = attempt.timeline;
      await this.hangup(runner, call, {
        kind: 'hangup',
        campaignId: attempt.campaignId,
        leadId: attempt.leadId,
        attemptId: attempt.attemptId,
        callId: attempt.callId ?? call.callId ?? '',
        node: attempt.node ?? call.node ?? '',
        at: t.endedAt ?? this.ctx.now(),
        cause: attempt.hangupCause ?? 'NORMAL_CLEARING',
        sipStatus: attempt.sipStatus,
        billsec: attempt.billsec ?? 0,
        answered: t.answeredAt !== undefined,
        answeredAt: t.answeredAt,
        bridge: t.bridgedAt && attempt.agentCallId ? { at: t.bridgedAt, agentCallId: attempt.agentCallId } : undefined,
      });
    }
  }

  /** A call its node no longer has and whose hang-up nobody saw: ended as its hang-up would have. */
  async endGone(runner: CampaignRunner, call: LiveCall): Promise<void> {
    const now = this.ctx.now();
    await this.hangup(runner, call, {
      kind: 'hangup',
      campaignId: runner.campaignId,
      leadId: call.leadId,
      attemptId: call.attemptId,
      callId: call.callId!,
      node: call.node!,
      at: now,
      cause: CAUSE_CALL_GONE,
      billsec: 0,
      answered: call.answeredAtMs !== undefined,
      answeredAt: call.answeredAtMs === undefined ? undefined : new Date(call.answeredAtMs),
    });
  }

  /** Ends an open attempt this engine does not run (its campaign is not running here). */
  private async finishStored(attempt: Attempt, fact: Extract<CallFact, { kind: 'hangup' }>): Promise<void> {
    const { deps } = this.ctx;
    const campaign = await deps.campaigns.get(attempt.campaignId);
    const outcome = callOutcome({
      cause: fact.cause,
      sipStatus: fact.sipStatus,
      answered: fact.answered || attempt.timeline.answeredAt !== undefined,
      bridged: attempt.timeline.bridgedAt !== undefined,
      abandoned: attempt.timeline.abandonedAt !== undefined,
      amdVerdict: attempt.amdVerdict,
      agentless: attempt.dialMode === 'agentless',
    });
    const earlier = await deps.attempts.outcomesOf(attempt.campaignId, attempt.leadId);
    const lead = campaign
      ? deps.nextStep(
          campaign.settings.retryRules,
          campaign.settings.maxAttemptsPerLead,
          earlier,
          outcome,
          this.ctx.now(),
        )
      : { closeReason: 'campaign_gone' };
    const ended = await deps.attempts.finish(attempt.attemptId, {
      outcome,
      endedAt: fact.at,
      hangupCause: fact.cause,
      ...(fact.sipStatus === undefined ? {} : { sipStatus: fact.sipStatus }),
      billsec: fact.billsec,
      lead,
    });
    if (ended) deps.metrics?.callEnded(attempt.campaignId, outcome);
    await deps.hopper.complete(attempt.campaignId, attempt.leadId);
    if (attempt.agentId && attempt.timeline.bridgedAt) await deps.agents.callEnded(attempt.agentId, attempt.attemptId);
    if (ended) await deps.publisher.completed(ended, 'closeReason' in lead ? { closedReason: lead.closeReason } : {});
  }

  /** Media commands on a call that may already be gone: a failure is logged, never thrown into the flow. */
  private async quietly(call: LiveCall, what: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      this.ctx.log.debug({ err: error, attemptId: call.attemptId, what }, 'call command failed');
    }
  }
}

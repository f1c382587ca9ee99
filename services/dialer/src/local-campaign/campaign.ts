import { createPacer, type Pacer, type PacerEvent } from '../domain/pacing/index.js';

/**
 * A local predictive campaign for the run command: virtual agents, a fixed lead list, the real
 * pacer, and calls placed through the media service. The dialer service will replace it; until
 * then it is what `scripts/run` drives. I/O comes in through `CampaignPorts`, time through `now`.
 */

export interface CampaignPorts {
  /** Compliance's verdict for each lead, in order, immediately before dialing (nothing else counts). */
  checkDial(leads: Lead[]): Promise<DialVerdict[]>;
  originate(lead: Lead, complianceCheckId: string): Promise<string>;
  bridge(callId: string, agentEndpoint: string): Promise<void>;
  hangup(callId: string, cause: string): Promise<void>;
  now(): number;
  /** Failures of port calls: counted and reported, never thrown into the tick loop. */
  onError(what: string, error: unknown): void;
}

export type DialVerdict = { allowed: true; checkId: string } | { allowed: false; reasons: string[] };

export interface Lead {
  leadId: string;
  attemptId: string;
  phone: string;
}

type AgentState = 'ready' | 'talking' | 'wrapup';

interface Agent {
  id: number;
  endpoint: string;
  state: AgentState;
  readySince: number;
}

interface Call {
  id: number;
  leadId: string;
  state: 'ringing' | 'waiting' | 'talking' | 'ended';
  agent?: Agent;
  waitingSince?: number;
}

export interface CampaignSummary {
  elapsedMs: number;
  leadsLeft: number;
  dialed: number;
  ringing: number;
  waiting: number;
  talking: number;
  answered: number;
  connected: number;
  abandoned: number;
  failedByCause: Record<string, number>;
  /** Leads compliance refused, by reason (a lead refused for several reasons counts under each). */
  deniedByReason: Record<string, number>;
  denied: number;
  checking: number;
  agentsReady: number;
  agentsTalking: number;
  agentsWrapUp: number;
  portErrors: number;
  talkMs: number;
  loggedInMs: number;
}

const FAIL_CAUSES: Record<string, 'NO_ANSWER' | 'USER_BUSY' | 'UNALLOCATED_NUMBER' | 'NETWORK_OUT_OF_ORDER'> = {
  NO_ANSWER: 'NO_ANSWER',
  NO_USER_RESPONSE: 'NO_ANSWER',
  ORIGINATOR_CANCEL: 'NO_ANSWER',
  USER_BUSY: 'USER_BUSY',
  CALL_REJECTED: 'USER_BUSY',
  UNALLOCATED_NUMBER: 'UNALLOCATED_NUMBER',
};

export class LocalCampaign {
  private readonly pacer: Pacer;
  private readonly agents: Agent[];
  private readonly calls = new Map<string, Call>();
  private readonly started: number;
  private nextCallNumber = 1;
  private readonly counters = { dialed: 0, answered: 0, connected: 0, abandoned: 0, portErrors: 0, talkMs: 0 };
  private readonly failedByCause: Record<string, number> = {};
  private readonly deniedByReason: Record<string, number> = {};
  private denied = 0;
  /** Leads taken for dialing whose compliance check is still out: they hold a slot like a ringing call. */
  private checking = 0;
  private readonly talkStarted = new Map<number, number>();

  constructor(
    private readonly leads: Lead[],
    agentCount: number,
    private readonly ports: CampaignPorts,
    private readonly options: { abandonAfterMs: number; wrapUpMs: number; channelCapacity: number; maxCps: number },
  ) {
    this.started = ports.now();
    this.pacer = createPacer({
      channelCapacity: options.channelCapacity,
      maxCps: options.maxCps,
      abandonAfterMs: options.abandonAfterMs,
    });
    this.agents = Array.from({ length: agentCount }, (_, i) => ({
      id: i + 1,
      endpoint: `user/${1001 + i}`,
      state: 'ready',
      readySince: this.started,
    }));
    for (const agent of this.agents) this.feed({ type: 'agent_ready', tMs: 0, agentId: agent.id, login: true });
  }

  get finished(): boolean {
    return this.leads.length === 0 && this.checking === 0 && [...this.calls.values()].every((c) => c.state === 'ended');
  }

  /** One pacing tick: abandon calls nobody took in time, then launch what the pacer asks for. */
  tick(): void {
    const now = this.ports.now();
    for (const [callId, call] of this.calls) {
      if (call.state === 'waiting' && now - (call.waitingSince ?? now) >= this.options.abandonAfterMs) {
        call.state = 'ended';
        this.counters.abandoned++;
        this.feed({
          type: 'call_abandoned',
          tMs: this.t(now),
          callId: call.id,
          waitedMs: now - (call.waitingSince ?? now),
        });
        this.ports.hangup(callId, 'NORMAL_CLEARING').catch((e) => this.portError('hangup', e));
      }
    }
    const launch = Math.min(this.leads.length, this.pacer.decide(this.snapshot(now)));
    if (launch > 0) this.checkThenLaunch(this.leads.splice(0, launch));
  }

  /** One batched compliance check per tick; only allowed leads are dialed. */
  private checkThenLaunch(batch: Lead[]): void {
    this.checking += batch.length;
    this.ports
      .checkDial(batch)
      .then((verdicts) => {
        this.checking -= batch.length;
        batch.forEach((lead, i) => {
          const verdict = verdicts[i];
          if (verdict?.allowed) this.launch(lead, verdict.checkId);
          else this.deny(verdict?.reasons ?? ['NO_VERDICT']);
        });
      })
      .catch((error) => {
        // No verdict, no dial: the leads are set aside as refused rather than dialed unchecked.
        this.checking -= batch.length;
        this.portError('checkDial', error);
        for (let i = 0; i < batch.length; i++) this.deny(['CHECK_FAILED']);
      });
  }

  private deny(reasons: string[]): void {
    this.denied++;
    for (const reason of reasons) this.deniedByReason[reason] = (this.deniedByReason[reason] ?? 0) + 1;
  }

  private launch(lead: Lead, complianceCheckId: string): void {
    const number = this.nextCallNumber++;
    this.counters.dialed++;
    this.feed({ type: 'call_originated', tMs: this.t(this.ports.now()), callId: number });
    const placeholder = `pending-${number}`;
    this.calls.set(placeholder, { id: number, leadId: lead.leadId, state: 'ringing' });
    this.ports
      .originate(lead, complianceCheckId)
      .then((callId) => {
        const call = this.calls.get(placeholder)!;
        this.calls.delete(placeholder);
        this.calls.set(callId, call);
      })
      .catch((error) => {
        this.portError('originate', error);
        this.calls.get(placeholder)!.state = 'ended';
        this.feed({
          type: 'call_failed',
          tMs: this.t(this.ports.now()),
          callId: number,
          cause: 'NETWORK_OUT_OF_ORDER',
        });
      });
  }

  onAnswered(callId: string): void {
    const call = this.calls.get(callId);
    if (!call || call.state !== 'ringing') return;
    const now = this.ports.now();
    this.counters.answered++;
    call.state = 'waiting';
    call.waitingSince = now;
    this.feed({
      type: 'call_answered',
      tMs: this.t(now),
      callId: call.id,
      detected: 'human',
      answeredAtMs: this.t(now),
    });
    this.connectWaiting();
  }

  onHangup(callId: string, cause: string): void {
    const call = this.calls.get(callId);
    if (!call) return;
    const now = this.ports.now();
    if (call.state === 'ringing') {
      this.failedByCause[cause] = (this.failedByCause[cause] ?? 0) + 1;
      this.feed({
        type: 'call_failed',
        tMs: this.t(now),
        callId: call.id,
        cause: FAIL_CAUSES[cause] ?? 'NETWORK_OUT_OF_ORDER',
      });
    } else if (call.state === 'waiting') {
      // The customer hung up while queued: an abandon from the customer's side.
      this.counters.abandoned++;
      this.feed({
        type: 'call_abandoned',
        tMs: this.t(now),
        callId: call.id,
        waitedMs: now - (call.waitingSince ?? now),
      });
    } else if (call.state === 'talking' && call.agent) {
      const agent = call.agent;
      this.counters.talkMs += now - (this.talkStarted.get(call.id) ?? now);
      agent.state = 'wrapup';
      this.feed({
        type: 'call_ended',
        tMs: this.t(now),
        callId: call.id,
        reason: 'completed',
        agentId: agent.id,
        disposition: 'human',
      });
      this.feed({ type: 'agent_wrapup', tMs: this.t(now), agentId: agent.id });
      setTimeout(() => this.agentReady(agent), this.options.wrapUpMs).unref();
    }
    if (call.state !== 'talking' && call.state !== 'ringing')
      this.feed({ type: 'call_ended', tMs: this.t(now), callId: call.id, reason: 'abandoned' });
    call.state = 'ended';
    this.calls.delete(callId);
  }

  private agentReady(agent: Agent): void {
    agent.state = 'ready';
    agent.readySince = this.ports.now();
    this.feed({ type: 'agent_ready', tMs: this.t(agent.readySince), agentId: agent.id, login: false });
    this.connectWaiting();
  }

  /** Longest-idle ready agent takes the longest-waiting call. */
  private connectWaiting(): void {
    const waiting = [...this.calls.entries()]
      .filter(([, c]) => c.state === 'waiting')
      .sort((a, b) => (a[1].waitingSince ?? 0) - (b[1].waitingSince ?? 0));
    for (const [callId, call] of waiting) {
      const agent = this.agents.filter((a) => a.state === 'ready').sort((a, b) => a.readySince - b.readySince)[0];
      if (!agent) return;
      const now = this.ports.now();
      agent.state = 'talking';
      call.state = 'talking';
      call.agent = agent;
      this.counters.connected++;
      this.talkStarted.set(call.id, now);
      this.feed({
        type: 'call_connected_to_agent',
        tMs: this.t(now),
        callId: call.id,
        agentId: agent.id,
        waitedMs: now - (call.waitingSince ?? now),
      });
      this.feed({ type: 'agent_busy', tMs: this.t(now), agentId: agent.id, callId: call.id });
      this.ports.bridge(callId, agent.endpoint).catch((e) => this.portError('bridge', e));
    }
  }

  summary(): CampaignSummary {
    const now = this.ports.now();
    const calls = [...this.calls.values()];
    const count = (state: Call['state']) => calls.filter((c) => c.state === state).length;
    const agents = (state: AgentState) => this.agents.filter((a) => a.state === state).length;
    return {
      elapsedMs: now - this.started,
      leadsLeft: this.leads.length,
      dialed: this.counters.dialed,
      ringing: count('ringing'),
      waiting: count('waiting'),
      talking: count('talking'),
      answered: this.counters.answered,
      connected: this.counters.connected,
      abandoned: this.counters.abandoned,
      failedByCause: { ...this.failedByCause },
      deniedByReason: { ...this.deniedByReason },
      denied: this.denied,
      checking: this.checking,
      agentsReady: agents('ready'),
      agentsTalking: agents('talking'),
      agentsWrapUp: agents('wrapup'),
      portErrors: this.counters.portErrors,
      talkMs: this.counters.talkMs,
      loggedInMs: (now - this.started) * this.agents.length,
    };
  }

  private snapshot(now: number) {
    const calls = [...this.calls.values()];
    const inFlight = calls.filter((c) => c.state !== 'ended').length;
    return {
      nowMs: this.t(now),
      agentsLoggedIn: this.agents.length,
      agentsReady: this.agents.filter((a) => a.state === 'ready').length,
      agentsTalking: this.agents.filter((a) => a.state === 'talking').length,
      agentsWrapUp: this.agents.filter((a) => a.state === 'wrapup').length,
      callsRinging: calls.filter((c) => c.state === 'ringing').length + this.checking,
      callsWaitingForAgent: calls.filter((c) => c.state === 'waiting').length,
      channelsInUse: inFlight + this.checking,
      channelCapacity: this.options.channelCapacity,
      maxCps: this.options.maxCps,
    };
  }

  private feed(event: PacerEvent): void {
    this.pacer.onEvent(event);
  }

  private t(now: number): number {
    return now - this.started;
  }

  private portError(what: string, error: unknown): void {
    this.counters.portErrors++;
    this.ports.onError(what, error);
  }
}

// An in-memory world for the engine's tests: every port of the engine as plain maps, and a far
// end that answers, rings busy or presses digits per lead (the adapters have their own tests).

import assert from 'node:assert/strict';
import { createLogger } from '@outbound/telemetry';
import { NOT_PLACED_CAUSES } from '../../src/domain/call-outcome.js';
import type {
  Agent,
  Attempt,
  AttemptOutcome,
  Campaign,
  CampaignLead,
  CampaignSettings,
  Disposition,
} from '../../src/domain/model.js';
import type { PacingDecision } from '../../src/domain/pacing/index.js';
import {
  type CallFact,
  type CampaignCounters,
  type EarlyFacts,
  type EngineDeps,
  type HopperEntry,
  type LeadHopper,
  type Lease,
} from '../../src/use-cases/engine.js';
import {
  CallGoneError,
  MediaUnavailableError,
  StaleOwnerError,
  type AgentCounts,
  type AgentDirectory,
  type AttemptPatch,
  type AttemptPlacements,
  type AttemptStore,
  type CallControl,
  type CampaignLeadStore,
  type CampaignStore,
  type ComplianceGate,
  type FinishAttempt,
  type LeadDirectory,
  type NewCampaignLead,
} from '../../src/use-cases/ports.js';

export const settings: CampaignSettings = {
  name: 'test',
  leadLists: [{ listId: 'list1' }],
  hours: { startHour: 0, endHour: 24, weekdays: [] },
  callerIds: ['+861050000001', '+861050000002'],
  gateway: 'gw1',
  retryRules: [{ outcome: 'busy', delayMs: 1_800_000, maxRetries: 1 }],
  machineAction: 'hang_up',
  machineMessage: '',
  abandonMessage: 'abandon.wav',
  maxAttemptsPerLead: 3,
  modeSettings: { mode: 'progressive', ratio: 1 },
  requiredSkills: [],
  rulePacks: [],
  lineClass: '',
  amd: false,
  ringTimeoutMs: 25_000,
  script: 's',
};

/** What the simulated far end does per lead. */
/** `hold`: answered and bridged, the talk goes on until the test hangs up. */
/** `silent`: answers, and the node's AMD never gives a verdict. `gone`: hangs up as the bridge is asked. */
export type Script =
  'answer' | 'busy' | 'invalid' | 'denied' | 'press1' | 'press2' | 'machine' | 'human' | 'hold' | 'silent' | 'gone';

/** What a hang-up fact says beyond its call: cause, answer, and the answer's and first bridge's times when known. */
interface HangupExtra {
  cause: string;
  answered: boolean;
  answeredAt?: Date;
  bridge?: { at: Date; agentCallId: string };
}

export class World {
  campaign: Campaign;
  readonly leadRows = new Map<string, CampaignLead & { status: CampaignLead['status'] }>();
  readonly attemptRows = new Map<string, Attempt & { published?: boolean }>();
  readonly agents = new Map<string, Agent>();
  readonly agentListeners = new Set<(a: Agent, p: Agent | undefined) => void>();
  readonly published: Array<{ attempt: Attempt; closedReason?: string }> = [];
  readonly abandonedEvents: string[] = [];
  readonly optOuts: Array<{ leadId: string; attemptId: string }> = [];
  /** The pacer's decisions, as the decision log received them. */
  readonly decisions: PacingDecision[] = [];
  readonly offers: Array<{ agentId: string; attemptId: string; leadId: string }> = [];
  readonly media: string[] = [];
  readonly counters = new Map<string, Record<string, number>>();
  readonly counted = new Set<string>();
  readonly inCallNow = new Set<string>();
  maxConcurrentPerLead = 0;
  /** Dials placed for leads compliance refused (must stay 0). */
  refusedDialed = 0;
  agentAnswers = true;
  /** Bridges asked of media. */
  bridgeTries = 0;
  /** Gateways whose calls fail as a dead trunk's do (NETWORK_OUT_OF_ORDER before any ring). */
  readonly failingGateways = new Set<string>();
  /** The gateway of every originate, in order. */
  readonly gateways: string[] = [];
  readonly lineChanges: Array<{ line: string; state: string }> = [];
  engineFact: (fact: CallFact) => Promise<void> = async () => undefined;
  /** Answers also heard early (EarlyFacts), their durable copy held back this long. */
  earlyAnswers: { durableAfterMs: number } | undefined;
  private readonly earlyListeners = new Map<string, (fact: CallFact) => void>();
  readonly earlyFacts: EarlyFacts = {
    listen: (campaignId, handle) => {
      this.earlyListeners.set(campaignId, handle);
      return () => this.earlyListeners.delete(campaignId);
    },
  };
  private callSeq = 0;
  readonly calls = new Map<string, { attemptId: string; leadId: string }>();
  /** The placements bucket: media claims each attempt it places; a dialer voids unplaced ones. */
  readonly placementRows = new Map<string, 'voided' | { callId: string; node: string }>();
  readonly placements: AttemptPlacements = {
    void: async (attemptId) => {
      const existing = this.placementRows.get(attemptId);
      if (existing) return existing;
      this.placementRows.set(attemptId, 'voided');
      return 'voided';
    },
  };
  /** Another replica took the campaign: the hopper refuses this engine's pops (its fence is old). */
  newerOwner = false;
  /** Media takes no call (draining, no switch): originates are refused before any line. */
  mediaUnavailable = false;
  /** Media places the calls but its replies are lost (the dialer's deadline passes first). */
  repliesLost = false;
  refusedOriginates = 0;
  /** Pops refused since (each a tick that still tried to dial here). */
  refusedPops = 0;

  constructor(
    readonly scripts: Record<string, Script>,
    campaignId = 'camp1',
  ) {
    this.campaign = {
      campaignId,
      state: 'running',
      settings,
      version: 1,
      createdAt: new Date(),
      updatedAt: new Date(),
    };
  }

  setAgent(agent: Agent): void {
    const previous = this.agents.get(agent.agentId);
    this.agents.set(agent.agentId, agent);
    for (const l of this.agentListeners) l(agent, previous);
  }

  fact(callId: string, kind: 'originated' | 'ringing' | 'answered' | 'amd-machine' | 'amd-human'): CallFact;
  fact(callId: string, kind: 'hangup', extra: HangupExtra): CallFact;
  fact(callId: string, kind: string, extra?: HangupExtra): CallFact {
    const call = this.calls.get(callId)!;
    const base = {
      campaignId: this.campaign.campaignId,
      leadId: call.leadId,
      attemptId: call.attemptId,
      callId,
      node: 'n1',
      at: new Date(),
    };
    if (kind === 'hangup') return { ...base, kind: 'hangup', billsec: 1, ...extra! };
    if (kind === 'amd-machine') return { ...base, kind: 'amd', verdict: 'machine', detectMs: 900 };
    if (kind === 'amd-human') return { ...base, kind: 'amd', verdict: 'human', detectMs: 900 };
    return { ...base, kind: kind as 'originated' | 'ringing' | 'answered' };
  }

  async hangup(callId: string, cause: string, answered: boolean): Promise<void> {
    const call = this.calls.get(callId);
    if (!call || !this.inCallNow.has(call.leadId)) return;
    this.inCallNow.delete(call.leadId);
    await this.engineFact(this.fact(callId, 'hangup', { cause, answered }));
  }

  campaigns(): CampaignStore {
    return {
      create: () => Promise.reject(new Error('unused')),
      get: async (id) => (id === this.campaign.campaignId ? this.campaign : undefined),
      getMany: async (ids) =>
        new Map(ids.includes(this.campaign.campaignId) ? [[this.campaign.campaignId, this.campaign]] : []),
      list: () => Promise.reject(new Error('unused')),
      updateSettings: () => Promise.reject(new Error('unused')),
      raiseFence: () => Promise.reject(new Error('unused: one engine, no leases')),
      transition: async (_id, from, to) => {
        assert.ok(from.includes(this.campaign.state));
        this.campaign = { ...this.campaign, state: to };
        return this.campaign;
      },
      inStates: async (states) => (states.includes(this.campaign.state) ? [this.campaign] : []),
    };
  }

  leads(): CampaignLeadStore {
    const rows = this.leadRows;
    return {
      add: async (_c, leads: readonly NewCampaignLead[]) => {
        let n = 0;
        for (const l of leads) {
          if (rows.has(l.leadId)) continue;
          n++;
          rows.set(l.leadId, {
            campaignId: this.campaign.campaignId,
            leadId: l.leadId,
            listId: l.listId,
            priority: l.priority ?? 0,
            nextAttemptAt: l.nextAttemptAt ?? new Date(),
            attempts: 0,
            status: 'open',
          });
        }
        return n;
      },
      schedule: () => Promise.reject(new Error('unused')),
      due: async (_c, now, limit) =>
        [...rows.values()]
          .filter((l) => l.status === 'open' && l.nextAttemptAt <= now)
          .sort((a, b) => b.priority - a.priority || a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime())
          .slice(0, limit),
      get: async (_c, id) => rows.get(id),
      counts: async () => {
        const all = [...rows.values()];
        return {
          open: all.filter((l) => l.status === 'open').length,
          inFlight: all.filter((l) => l.status === 'in_flight').length,
          closed: all.filter((l) => l.status === 'closed').length,
          due: all.filter((l) => l.status === 'open' && l.nextAttemptAt <= new Date()).length,
        };
      },
    };
  }

  attempts(): AttemptStore {
    const rows = this.attemptRows;
    const leads = this.leadRows;
    return {
      begin: async (a) => {
        const lead = leads.get(a.leadId);
        if (!lead || lead.status !== 'open') return undefined;
        leads.set(a.leadId, { ...lead, status: 'in_flight', attempts: lead.attempts + 1 });
        const attempt: Attempt = {
          attemptId: a.attemptId,
          campaignId: a.campaignId,
          leadId: a.leadId,
          attemptNumber: lead.attempts + 1,
          dialMode: a.dialMode,
          denialReasons: [],
          timeline: { queuedAt: new Date() },
        };
        rows.set(a.attemptId, attempt);
        return {
          attempt,
          lead: {
            ...(lead.agentId ? { agentId: lead.agentId } : {}),
            ...(lead.lineClass ? { lineClass: lead.lineClass } : {}),
          },
        };
      },
      record: async (id, patch: AttemptPatch) => {
        const row = rows.get(id);
        if (!row) return;
        const timelineKeys = [
          'checkedAt',
          'originatedAt',
          'ringingAt',
          'answeredAt',
          'amdAt',
          'bridgedAt',
          'abandonedAt',
        ];
        const timeline: Record<string, unknown> = { ...row.timeline };
        const rest: Record<string, unknown> = { ...row };
        for (const [k, v] of Object.entries(patch)) {
          if (timelineKeys.includes(k)) timeline[k] ??= v;
          else if (k === 'denialReasons') rest[k] = (rest[k] as string[]).length ? rest[k] : v;
          else rest[k] ??= v;
        }
        rows.set(id, { ...(rest as unknown as Attempt), timeline: timeline as unknown as Attempt['timeline'] });
      },
      finish: async (id, end: FinishAttempt) => {
        const row = rows.get(id);
        if (!row || row.outcome) return undefined;
        const ended: Attempt = {
          ...row,
          outcome: end.outcome,
          ...(end.hangupCause ? { hangupCause: end.hangupCause } : {}),
          timeline: { ...row.timeline, endedAt: end.endedAt },
          ...('retryAt' in end.lead ? { nextAttemptAt: end.lead.retryAt } : {}),
        };
        rows.set(id, ended);
        const lead = leads.get(row.leadId)!;
        leads.set(
          row.leadId,
          'retryAt' in end.lead
            ? { ...lead, status: 'open', nextAttemptAt: end.lead.retryAt }
            : { ...lead, status: 'closed', closedReason: end.lead.closeReason },
        );
        return ended;
      },
      get: async (id) => rows.get(id),
      byCallId: async (callId) => [...rows.values()].find((a) => a.callId === callId),
      list: () => Promise.reject(new Error('unused')),
      summarize: () => Promise.reject(new Error('unused')),
      open: async () => [...rows.values()].filter((a) => !a.outcome),
      ended: async (ids) => ids.flatMap((id) => (rows.get(id)?.outcome ? [rows.get(id)!] : [])),
      answersSince: async (_c, since) =>
        [...rows.values()]
          .filter((a) => a.timeline.answeredAt && a.timeline.answeredAt >= since && a.amdVerdict !== 'machine')
          .map((a) => ({
            at: a.timeline.answeredAt!,
            answers: 1,
            abandons: a.timeline.abandonedAt || a.outcome === 'abandoned' ? 1 : 0,
          })),
      outcomesOf: async (_c, leadId) =>
        [...rows.values()]
          .filter((a) => a.leadId === leadId && a.outcome && !NOT_PLACED_CAUSES.includes(a.hangupCause ?? ''))
          .map((a) => a.outcome as AttemptOutcome),
      setDisposition: async (id, d: Disposition) => {
        const row = { ...rows.get(id)!, disposition: d };
        rows.set(id, row);
        return row;
      },
      unpublished: async () => [...rows.values()].filter((a) => a.outcome && !a.published),
      facts: () => Promise.reject(new Error('unused: no Redis loss here')),
      markPublished: async (id) => {
        rows.set(id, { ...rows.get(id)!, published: true });
      },
    };
  }

  agentDirectory(): AgentDirectory {
    const counts = (): AgentCounts => {
      const all = [...this.agents.values()];
      const n = (s: Agent['state']) => all.filter((a) => a.state === s).length;
      return {
        loggedIn: all.filter((a) => a.state !== 'logged_out').length,
        ready: n('ready'),
        reserved: n('reserved'),
        talking: n('talking'),
        wrapUp: n('wrap_up'),
        paused: n('paused'),
      };
    };
    const move = (agentId: string, state: Agent['state'], attemptId?: string) => {
      const a = this.agents.get(agentId)!;
      const { attemptId: _, ...rest } = a;
      this.setAgent({ ...rest, state, stateSinceMs: Date.now(), ...(attemptId ? { attemptId } : {}) });
    };
    return {
      get: async (id) => this.agents.get(id),
      reserve: async (r) => {
        const ready = [...this.agents.values()]
          .filter((a) => a.state === 'ready' && (!r.agentId || a.agentId === r.agentId))
          .sort((a, b) => a.stateSinceMs - b.stateSinceMs)[0];
        if (!ready) return undefined;
        move(ready.agentId, 'reserved', r.attemptId);
        const reserved = this.agents.get(ready.agentId);
        return reserved && { ...reserved, readySinceMs: ready.stateSinceMs };
      },
      startTalking: async (id, attemptId) => move(id, 'talking', attemptId),
      // No wrap-up time in this world: straight back to ready.
      callEnded: async (id) => move(id, 'ready'),
      release: async (id) => move(id, 'ready'),
      counts: async () => counts(),
      list: async () => [...this.agents.values()],
      onChange: (l) => {
        this.agentListeners.add(l);
        return () => this.agentListeners.delete(l);
      },
    };
  }

  callControl(): CallControl {
    return {
      originate: async (r) => {
        if (this.mediaUnavailable) {
          this.refusedOriginates++;
          throw new MediaUnavailableError();
        }
        if (this.placementRows.get(r.attemptId) === 'voided') throw new Error('ATTEMPT_VOIDED');
        if (this.scripts[r.leadId] === 'denied') this.refusedDialed++;
        this.inCallNow.add(r.leadId);
        const concurrent = [...this.attemptRows.values()].filter((a) => a.leadId === r.leadId && !a.outcome).length;
        this.maxConcurrentPerLead = Math.max(this.maxConcurrentPerLead, concurrent);
        const callId = `call-${++this.callSeq}`;
        this.placementRows.set(r.attemptId, { callId, node: 'n1' });
        this.calls.set(callId, { attemptId: r.attemptId, leadId: r.leadId });
        this.gateways.push(r.gateway);
        if (this.failingGateways.has(r.gateway)) {
          setImmediate(() => void this.hangup(callId, 'NETWORK_OUT_OF_ORDER', false));
          return { callId, node: 'n1' };
        }
        const script = this.scripts[r.leadId];
        // The far end, after originate returns (facts arrive through the bus, later).
        setImmediate(() => {
          void (async () => {
            await this.engineFact(this.fact(callId, 'ringing'));
            if (script === 'busy') return this.hangup(callId, 'USER_BUSY', false);
            if (script === 'invalid') return this.hangup(callId, 'UNALLOCATED_NUMBER', false);
            const answered = this.fact(callId, 'answered');
            if (this.earlyAnswers) {
              this.earlyListeners.get(answered.campaignId)?.(answered);
              await new Promise((resolve) => setTimeout(resolve, this.earlyAnswers!.durableAfterMs));
            }
            await this.engineFact(answered);
            if (script === 'machine') await this.engineFact(this.fact(callId, 'amd-machine'));
            else if (this.campaign.settings.amd && script !== 'silent')
              await this.engineFact(this.fact(callId, 'amd-human'));
          })();
        });
        if (this.repliesLost) throw new Error('DEADLINE_EXCEEDED: no reply from media');
        return { callId, node: 'n1' };
      },
      bridge: async (callId) => {
        this.bridgeTries++;
        if (this.scripts[this.calls.get(callId)!.leadId] === 'gone') {
          // The customer hung up just before: media no longer has the call; its hang-up event
          // follows a little later (within the 2 s, scaled: the tests' abandon time is 40 ms).
          setTimeout(() => void this.hangup(callId, 'NORMAL_CLEARING', true), 25);
          throw new CallGoneError(callId);
        }
        if (!this.agentAnswers) throw new Error('the agent leg did not answer');
        // The talk ends a moment after the bridge.
        if (this.scripts[this.calls.get(callId)!.leadId] !== 'hold')
          setImmediate(() => void this.hangup(callId, 'NORMAL_CLEARING', true));
        return { agentCallId: `${callId}-agent` };
      },
      play: async (callId, media) => {
        this.media.push(`${callId}:play:${media}`);
      },
      collectDtmf: async (callId) => {
        const script = this.scripts[this.calls.get(callId)!.leadId];
        return script === 'press1' ? '1' : script === 'press2' ? '2' : '';
      },
      hangup: async (callId, cause) => {
        this.media.push(`${callId}:hangup`);
        setImmediate(() => void this.hangup(callId, cause, true));
      },
      exists: async (callId) => {
        const call = this.calls.get(callId);
        return call !== undefined && this.inCallNow.has(call.leadId);
      },
    };
  }
}

/** `fencedOut`: another replica took the campaign, so pops are refused (this engine's fence is old). */
export function memoryHopper(fencedOut: () => boolean = () => false): LeadHopper {
  const set = new Map<string, HopperEntry>();
  const leased = new Map<string, string>();
  let seq = 0;
  return {
    add: async (_c, entries) => {
      let n = 0;
      for (const e of entries)
        if (!leased.has(e.leadId)) {
          if (!set.has(e.leadId)) n++;
          set.set(e.leadId, e);
        }
      return n;
    },
    rebuild: async (_c, entries) => {
      set.clear();
      for (const e of entries) if (!leased.has(e.leadId)) set.set(e.leadId, e);
      return set.size;
    },
    pop: async (campaignId, count) => {
      if (fencedOut()) throw new StaleOwnerError(campaignId);
      const best = [...set.values()]
        .sort((a, b) => b.priority - a.priority || a.dueAt.getTime() - b.dueAt.getTime())
        .slice(0, count);
      const token = `t${++seq}`;
      const out: Lease[] = [];
      for (const e of best) {
        set.delete(e.leadId);
        leased.set(e.leadId, token);
        out.push({ leadId: e.leadId, token });
      }
      return out;
    },
    release: async (_c, lease, back) => {
      if (leased.get(lease.leadId) !== lease.token) return false;
      leased.delete(lease.leadId);
      if (back) set.set(lease.leadId, { leadId: lease.leadId, ...back });
      return true;
    },
    complete: async (_c, leadId, token) => {
      if (token && leased.get(leadId) !== token) return false;
      return leased.delete(leadId);
    },
    size: async () => set.size,
    clear: async () => set.clear(),
  };
}

export function memoryCounters(world: World): CampaignCounters {
  return {
    restore: () => Promise.reject(new Error('unused: no Redis loss here')),
    countOnce: async (c, attemptId, fact, names) => {
      if (world.counted.has(`${attemptId}:${fact}`)) return false;
      world.counted.add(`${attemptId}:${fact}`);
      const h = world.counters.get(c) ?? {};
      for (const n of names) h[n] = (h[n] ?? 0) + 1;
      world.counters.set(c, h);
      return true;
    },
    read: async (c) => ({ ...world.counters.get(c) }),
  };
}

export function deps(world: World, leadCount: number, campaign: Partial<CampaignSettings> = {}): EngineDeps {
  world.campaign = { ...world.campaign, settings: { ...settings, ...campaign } };
  const leadDirectory: LeadDirectory = {
    listLeads: async () => ({
      items: Array.from({ length: leadCount }, (_, i) => ({
        leadId: `lead-${i}`,
        listId: 'list1',
        phone: `+8613900000${String(i).padStart(3, '0')}`,
        name: '',
        region: '',
        timeZone: 'Asia/Shanghai',
        tier: '',
        tags: [],
        customFields: {},
        callable: true,
      })),
    }),
    getLead: async (leadId, { reveal }) => ({
      leadId,
      listId: 'list1',
      phone: reveal ? `+86139000${leadId.replace(/\D/g, '').padStart(5, '0')}` : '139****0000',
      name: '',
      region: '',
      timeZone: 'Asia/Shanghai',
      tier: '',
      tags: [],
      customFields: {},
      callable: true,
    }),
  };
  const compliance: ComplianceGate = {
    checkDialBatch: async (checks) =>
      checks.map((c, i) =>
        world.scripts[c.leadId] === 'denied'
          ? { allowed: false as const, reasons: ['DO_NOT_CALL'] }
          : { allowed: true as const, checkId: `chk-${c.leadId}-${i}` },
      ),
    abandonStatus: async () => ({ action: 'continue', windows: [] }),
    optOut: async (r) => void world.optOuts.push({ leadId: r.leadId, attemptId: r.attemptId }),
    setCampaignPolicy: async () => undefined,
  };
  return {
    campaigns: world.campaigns(),
    leads: world.leads(),
    attempts: world.attempts(),
    agents: world.agentDirectory(),
    desk: {
      screenPop: async () => undefined,
      offer: async (agentId, attempt) =>
        void world.offers.push({ agentId, attemptId: attempt.attemptId, leadId: attempt.leadId }),
      callEnded: async () => undefined,
    },
    leadDirectory,
    compliance,
    calls: world.callControl(),
    placements: world.placements,
    hopper: memoryHopper(() => world.newerOwner && ++world.refusedPops > 0),
    counters: memoryCounters(world),
    publisher: {
      abandoned: async (call) => {
        world.abandonedEvents.push(call.attemptId);
      },
      completed: async (attempt, extra) => {
        world.published.push({ attempt, ...extra });
        world.attemptRows.set(attempt.attemptId, { ...attempt, published: true });
      },
      lineHealth: async (health) => {
        world.lineChanges.push({ line: health.line, state: health.state });
      },
    },
    decisions: { record: (_c, decision) => void world.decisions.push(decision) },
    nextStep: (rules, max, earlier, outcome, now) => {
      if (outcome === 'connected') return { closeReason: 'connected' };
      if (outcome === 'invalid_number') return { closeReason: 'invalid_number' };
      const rule = rules.find((r) => r.outcome === outcome);
      const tries = earlier.filter((o) => o === outcome).length;
      if (!rule || tries > rule.maxRetries || earlier.length + 1 >= max) return { closeReason: 'max_attempts' };
      return { retryAt: new Date(now.getTime() + rule.delayMs) };
    },
    earlyFacts: world.earlyFacts,
    logger: createLogger({ service: 'dialer-test', level: 'silent' }),
    options: { tickMs: 5, abandonAfterMs: 40, amdWaitMs: 20, hopperLowWater: 10, hopperTarget: 50 },
  };
}

export function agent(id: string, campaignId = 'camp1'): Agent {
  return {
    agentId: id,
    state: 'ready',
    endpoint: `user/${id}`,
    campaignIds: [campaignId],
    skills: [],
    reveal: false,
    stateSinceMs: Date.now(),
  };
}

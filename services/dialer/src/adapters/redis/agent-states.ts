// Agents' live states in Redis: a hash per agent, per campaign a set of ready agents scored by
// ready-since (so the longest idle is first) and the set of its agents, and the wrap-up timers.
// Every change is one Lua script (redis/agent-move.lua, redis/agent-reserve.lua), so two calls
// never take one agent and a refused move changes nothing.

import { AlreadyExistsError, FailedPreconditionError, NotFoundError } from '@outbound/errors';
import type { Keyspace, Redis } from '@outbound/redis';
import { AGENT_MOVES, type AgentMove } from '../../domain/agent-state.js';
import type { Agent, AgentState } from '../../domain/model.js';
import type { AgentCounts, AgentDirectory, AgentSessionRecord, ReservedAgent } from '../../use-cases/ports.js';
import { LuaScript } from './lua-script.js';

const move = new LuaScript('agent-move.lua');
const reserveScript = new LuaScript('agent-reserve.lua');
const countsScript = new LuaScript('agent-counts.lua');

export interface AgentLogin {
  readonly agentId: string;
  readonly endpoint: string;
  readonly campaignIds: readonly string[];
  readonly skills: readonly string[];
  readonly reveal: boolean;
  readonly state: 'ready' | 'paused';
  readonly pauseReason?: string;
}

type Listener = (agent: Agent, previous: Agent | undefined) => void;

const list = (value: string | undefined): string[] => (value ? value.split(',').filter((s) => s !== '') : []);

function toAgent(agentId: string, h: Record<string, string>): Agent | undefined {
  if (h['state'] === undefined) return undefined;
  return {
    agentId,
    state: h['state'] as AgentState,
    endpoint: h['endpoint'] ?? '',
    campaignIds: list(h['campaigns']),
    skills: list(h['skills']),
    reveal: h['reveal'] === '1',
    stateSinceMs: Number(h['since'] ?? 0),
    ...(h['pauseReason'] ? { pauseReason: h['pauseReason'] } : {}),
    ...(h['attempt'] ? { attemptId: h['attempt'] } : {}),
    ...(h['campaign'] ? { campaignId: h['campaign'] } : {}),
    ...(h['lead'] ? { leadId: h['lead'] } : {}),
    ...(h['wrapUpUntil'] ? { wrapUpUntilMs: Number(h['wrapUpUntil']) } : {}),
  };
}

export class RedisAgentStates implements AgentDirectory {
  private readonly listeners = new Set<Listener>();
  private sweeper: NodeJS.Timeout | undefined;
  private readonly readyPrefix: string;
  private readonly agentPrefix: string;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
    private readonly options: { wrapUpMs: number; sweepEveryMs?: number; now?: () => number },
  ) {
    // `<prefix>:dialer:{<campaign>}:<kind>`: the scripts build a campaign's keys from these parts.
    this.readyPrefix = keys.campaignKey('x', 'ready').replace(/\{x\}:ready$/, '{');
    this.agentPrefix = keys.key('agent', 'x').replace(/x$/, '');
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private agentKey(agentId: string): string {
    return this.keys.key('agent', agentId);
  }

  /** Returns wrap-ups that ran out to ready (the disposition did not come in time). */
  start(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => void this.sweep().catch(() => undefined), this.options.sweepEveryMs ?? 500);
    this.sweeper.unref();
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  async sweep(): Promise<number> {
    const due = await this.redis.zrangebyscore(this.keys.key('wrapups'), 0, this.now(), 'LIMIT', 0, 100);
    let moved = 0;
    for (const agentId of due) if (await this.tryMove(agentId, 'finishWrapUp', 'ready', [['attempt', '']])) moved++;
    return moved;
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async get(agentId: string): Promise<Agent | undefined> {
    return toAgent(agentId, await this.redis.hgetall(this.agentKey(agentId)));
  }

  async list(campaignId: string): Promise<Agent[]> {
    const ids = await this.redis.smembers(this.keys.campaignKey(campaignId, 'agents'));
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.agentKey(id));
    const results = (await pipeline.exec()) ?? [];
    return results
      .map(([, value], i) => toAgent(ids[i]!, (value ?? {}) as Record<string, string>))
      .filter((a): a is Agent => a !== undefined && a.state !== 'logged_out' && a.campaignIds.includes(campaignId));
  }

  async counts(campaignId: string): Promise<AgentCounts> {
    const [loggedIn, ready, reserved, talking, wrapUp, paused] = (await countsScript.run(
      this.redis,
      [this.keys.campaignKey(campaignId, 'agents')],
      [this.agentPrefix, campaignId],
    )) as number[];
    return {
      loggedIn: loggedIn ?? 0,
      ready: ready ?? 0,
      reserved: reserved ?? 0,
      talking: talking ?? 0,
      wrapUp: wrapUp ?? 0,
      paused: paused ?? 0,
    };
  }

  async login(login: AgentLogin): Promise<Agent> {
    const current = await this.get(login.agentId);
    if (current !== undefined && current.state !== 'logged_out')
      throw new AlreadyExistsError(`agent ${login.agentId} is already logged in`, { reason: 'AGENT_LOGGED_IN' });
    const fields: Array<[string, string]> = [
      ['endpoint', login.endpoint],
      ['campaigns', login.campaignIds.join(',')],
      ['skills', login.skills.join(',')],
      ['reveal', login.reveal ? '1' : '0'],
      ['pauseReason', login.pauseReason ?? ''],
      ['attempt', ''],
      ['campaign', ''],
      ['lead', ''],
      ['wrapUpUntil', ''],
    ];
    const [status] = (await this.runMove(login.agentId, ['logged_out'], login.state, '', fields)) as [string];
    if (status !== 'OK')
      throw new AlreadyExistsError(`agent ${login.agentId} is already logged in`, { reason: 'AGENT_LOGGED_IN' });
    return this.changed(login.agentId, current);
  }

  /**
   * Puts back the agents of record after Redis lost the board: each as they last asked (ready or
   * paused), or talking when PostgreSQL has them on an open, bridged call. Agents already on the
   * board (logged in again meanwhile) are left as they are.
   */
  async restore(
    sessions: readonly AgentSessionRecord[],
    onCall: ReadonlyMap<string, { attemptId: string; campaignId: string; leadId: string }>,
  ): Promise<number> {
    let restored = 0;
    for (const s of sessions) {
      const call = onCall.get(s.agentId);
      const state: AgentState = call ? 'talking' : s.paused ? 'paused' : 'ready';
      const fields: Array<[string, string]> = [
        ['endpoint', s.endpoint],
        ['campaigns', s.campaignIds.join(',')],
        ['skills', s.skills.join(',')],
        ['reveal', s.reveal ? '1' : '0'],
        ['pauseReason', s.paused ? s.pauseReason : ''],
        ['attempt', call?.attemptId ?? ''],
        ['campaign', call?.campaignId ?? ''],
        ['lead', call?.leadId ?? ''],
        ['wrapUpUntil', ''],
      ];
      const [status] = (await this.runMove(s.agentId, ['logged_out'], state, '', fields)) as [string];
      if (status === 'OK') {
        restored++;
        await this.changed(s.agentId, undefined);
      }
    }
    return restored;
  }

  async logout(agentId: string): Promise<Agent> {
    return this.mustMove(agentId, 'logout', 'logged_out', [['pauseReason', '']]);
  }

  async setReady(agentId: string): Promise<Agent> {
    return this.mustMove(agentId, 'ready', 'ready', [
      ['pauseReason', ''],
      ['attempt', ''],
      ['wrapUpUntil', ''],
    ]);
  }

  async pause(agentId: string, reason: string): Promise<Agent> {
    return this.mustMove(agentId, 'pause', 'paused', [
      ['pauseReason', reason],
      ['wrapUpUntil', ''],
    ]);
  }

  /** wrap_up → ready once the disposition is in (the timer would do it later). */
  async finishWrapUp(agentId: string): Promise<boolean> {
    return this.tryMove(agentId, 'finishWrapUp', 'ready', [
      ['attempt', ''],
      ['wrapUpUntil', ''],
    ]);
  }

  async reserve(request: {
    campaignId: string;
    attemptId: string;
    leadId: string;
    skills: readonly string[];
    agentId?: string;
  }): Promise<ReservedAgent | undefined> {
    const taken = await reserveScript.run(
      this.redis,
      [this.keys.campaignKey(request.campaignId, 'ready')],
      [
        this.agentPrefix,
        this.readyPrefix,
        '}:ready',
        request.skills.join(','),
        request.agentId ?? '',
        this.now(),
        request.attemptId,
        request.campaignId,
        request.leadId,
      ],
    );
    if (!Array.isArray(taken)) return undefined;
    const [agentId, readySince] = taken as [string, string];
    const agent = await this.changed(agentId, undefined);
    return agent && { ...agent, readySinceMs: Number(readySince) };
  }

  async startTalking(agentId: string, attemptId: string): Promise<void> {
    await this.tryMove(agentId, 'startTalking', 'talking', [], attemptId);
  }

  async callEnded(agentId: string, attemptId: string): Promise<void> {
    await this.tryMove(
      agentId,
      'callEnded',
      'wrap_up',
      [['wrapUpUntil', String(this.now() + this.options.wrapUpMs)]],
      attemptId,
    );
  }

  async release(agentId: string, attemptId: string): Promise<void> {
    await this.tryMove(
      agentId,
      'release',
      'ready',
      [
        ['attempt', ''],
        ['campaign', ''],
        ['lead', ''],
      ],
      attemptId,
    );
  }

  private async runMove(
    agentId: string,
    from: readonly AgentState[],
    to: AgentState,
    attemptId: string,
    fields: ReadonlyArray<readonly [string, string]>,
  ): Promise<unknown> {
    return move.run(
      this.redis,
      [this.agentKey(agentId), this.keys.key('wrapups')],
      [from.join(','), to, this.now(), this.readyPrefix, '}:ready', '}:agents', attemptId, agentId, ...fields.flat()],
    );
  }

  /** A move the engine makes: refused quietly when the agent has moved on (e.g. logged out). */
  private async tryMove(
    agentId: string,
    name: AgentMove,
    to: AgentState,
    fields: ReadonlyArray<readonly [string, string]>,
    attemptId = '',
  ): Promise<boolean> {
    const previous = await this.get(agentId);
    const [status] = (await this.runMove(agentId, AGENT_MOVES[name], to, attemptId, fields)) as [string];
    if (status !== 'OK') return false;
    await this.changed(agentId, previous);
    return true;
  }

  /** A move an agent asks for: refused with the state they are in. */
  private async mustMove(
    agentId: string,
    name: AgentMove,
    to: AgentState,
    fields: ReadonlyArray<readonly [string, string]>,
  ): Promise<Agent> {
    const previous = await this.get(agentId);
    if (previous === undefined || previous.state === 'logged_out')
      throw new NotFoundError('logged-in agent', agentId, { reason: 'AGENT_NOT_LOGGED_IN' });
    const [status, current] = (await this.runMove(agentId, AGENT_MOVES[name], to, '', fields)) as [string, string];
    if (status !== 'OK')
      throw new FailedPreconditionError(`agent ${agentId} is ${current}: cannot ${name}`, {
        reason: 'ILLEGAL_AGENT_TRANSITION',
        details: { state: current },
      });
    return this.changed(agentId, previous);
  }

  private async changed(agentId: string, previous: Agent | undefined): Promise<Agent> {
    const agent = await this.get(agentId);
    if (agent === undefined) throw new NotFoundError('agent', agentId);
    for (const listener of this.listeners) listener(agent, previous);
    return agent;
  }
}

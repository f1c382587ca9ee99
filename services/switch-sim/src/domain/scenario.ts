import { Prng } from './prng.js';

/** What the far end does with one call. */
export const OUTCOMES = [
  'human',
  'machine',
  'busy',
  'no_answer',
  'invalid',
  'decline',
  'unavailable',
  'network_failure',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface MsRange {
  readonly min: number;
  readonly max: number;
}

export interface TimedDigits {
  readonly atMs: number;
  readonly digits: string;
}
export interface TimedSpeech {
  readonly atMs: number;
  readonly text: string;
}

export interface OutcomeSpec {
  readonly weight: number;
  readonly outcome: Outcome;
  /** Time from INVITE to the final answer/refusal (or until originate_timeout for no_answer). */
  readonly ringMs: MsRange;
  /** Send 183 with SDP before the final response (early media). */
  readonly earlyMedia: boolean;
  /** After answer: time until the called party hangs up (BYE). Absent: it waits for us. */
  readonly talkMs?: MsRange;
  /** AMD: the verdict and when after answer it is known. Defaults from the outcome. */
  readonly amdDelayMs: MsRange;
  /** Answering machines: when the beep comes, after answer. */
  readonly beepMs?: MsRange;
  readonly dtmf: readonly TimedDigits[];
  readonly speech: readonly TimedSpeech[];
}

export interface RuleMatch {
  readonly prefix?: string;
  readonly regex?: string;
  readonly port?: number;
}

export interface Rule {
  readonly match: RuleMatch;
  readonly compiled?: RegExp;
  readonly outcomes: readonly OutcomeSpec[];
}

export interface ScheduleEntry {
  readonly fromMs: number;
  readonly rules: readonly Rule[];
}

/** A user in the switch's directory: registered users (agents' phones) answer `user/<id>`. */
export type DirectoryEntry = 'registered' | 'unregistered';

/** One step of an extension in the scenario's dialplan (what a `loopback/<ext>` B leg runs). */
export interface DialplanStep {
  readonly app: string;
  readonly arg: string;
}

export interface Scenario {
  readonly name: string;
  /** Rule sets by elapsed simulated time; the latest entry whose fromMs has passed applies. */
  readonly schedule: readonly ScheduleEntry[];
  readonly agents: {
    readonly answerMs: MsRange;
    readonly talkMs?: MsRange;
    /**
     * The directory. Absent: every `user/<id>` is a registered agent. Present: listed registered
     * users answer, listed unregistered ones fail USER_NOT_REGISTERED, others SUBSCRIBER_ABSENT.
     */
    readonly directory?: ReadonlyMap<string, DirectoryEntry>;
  };
  /** sofia gateways that exist. Absent: any name is accepted; present: others fail INVALID_GATEWAY. */
  readonly gateways?: ReadonlySet<string>;
  /** Extensions of the default context, for loopback/<ext> (absent ones: NO_ROUTE_DESTINATION). */
  readonly dialplan: ReadonlyMap<string, readonly DialplanStep[]>;
  /** Modules loaded beyond the captured install's (e.g. `mod_amd`, which 1.10.12 does not ship). */
  readonly modules: ReadonlySet<string>;
  /** FreeSWITCH's sessions-per-second limit (default 30): more originates in a second fail DESTINATION_OUT_OF_ORDER. */
  readonly sessionsPerSecond: number;
}

export class ScenarioError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`scenario ${path}: ${detail}`);
    this.name = 'ScenarioError';
  }
}

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonNegative(value: Json, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ScenarioError(path, 'must be a non-negative number');
  }
  return value;
}

function range(value: Json, path: string): MsRange {
  if (typeof value === 'number') return { min: nonNegative(value, path), max: value };
  if (!isObject(value)) throw new ScenarioError(path, 'must be a number of ms or {"min": ms, "max": ms}');
  const min = nonNegative(value['min'], `${path}.min`);
  const max = nonNegative(value['max'], `${path}.max`);
  if (max < min) throw new ScenarioError(path, 'max must be >= min');
  return { min, max };
}

function timedList<T>(value: Json, path: string, field: 'digits' | 'text'): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ScenarioError(path, 'must be an array');
  return value.map((item: Json, i) => {
    const itemPath = `${path}[${i}]`;
    if (!isObject(item)) throw new ScenarioError(itemPath, 'must be an object');
    const content = item[field];
    if (typeof content !== 'string' || content === '')
      throw new ScenarioError(`${itemPath}.${field}`, 'must be a non-empty string');
    if (field === 'digits' && !/^[0-9*#A-D]+$/.test(content))
      throw new ScenarioError(`${itemPath}.digits`, 'must be DTMF digits 0-9 * # A-D');
    return { atMs: nonNegative(item['atMs'], `${itemPath}.atMs`), [field]: content } as T;
  });
}

const DEFAULT_RING: Record<Outcome, MsRange> = {
  human: { min: 500, max: 500 },
  machine: { min: 500, max: 500 },
  busy: { min: 300, max: 300 },
  no_answer: { min: 0, max: 0 },
  invalid: { min: 40, max: 40 },
  decline: { min: 300, max: 300 },
  unavailable: { min: 300, max: 300 },
  network_failure: { min: 40, max: 40 },
};

function outcomeSpec(value: Json, path: string): OutcomeSpec {
  if (!isObject(value)) throw new ScenarioError(path, 'must be an object');
  const outcome = value['outcome'];
  if (typeof outcome !== 'string' || !(OUTCOMES as readonly string[]).includes(outcome)) {
    throw new ScenarioError(`${path}.outcome`, `must be one of ${OUTCOMES.join(', ')}`);
  }
  const kind = outcome as Outcome;
  const spec: {
    -readonly [K in keyof OutcomeSpec]: OutcomeSpec[K];
  } = {
    weight: value['weight'] === undefined ? 1 : nonNegative(value['weight'], `${path}.weight`),
    outcome: kind,
    ringMs: value['ringMs'] === undefined ? DEFAULT_RING[kind] : range(value['ringMs'], `${path}.ringMs`),
    earlyMedia: value['earlyMedia'] === true,
    amdDelayMs:
      value['amdDelayMs'] === undefined ? { min: 1500, max: 3000 } : range(value['amdDelayMs'], `${path}.amdDelayMs`),
    dtmf: timedList<TimedDigits>(value['dtmf'], `${path}.dtmf`, 'digits'),
    speech: timedList<TimedSpeech>(value['speech'], `${path}.speech`, 'text'),
  };
  if (value['earlyMedia'] !== undefined && typeof value['earlyMedia'] !== 'boolean') {
    throw new ScenarioError(`${path}.earlyMedia`, 'must be true or false');
  }
  if (value['talkMs'] !== undefined) spec.talkMs = range(value['talkMs'], `${path}.talkMs`);
  if (value['beepMs'] !== undefined) spec.beepMs = range(value['beepMs'], `${path}.beepMs`);
  else if (kind === 'machine') spec.beepMs = { min: 4000, max: 8000 };
  return spec;
}

function rule(value: Json, path: string): Rule {
  if (!isObject(value)) throw new ScenarioError(path, 'must be an object');
  const match = value['match'] ?? {};
  if (!isObject(match)) throw new ScenarioError(`${path}.match`, 'must be an object');
  const parsed: { prefix?: string; regex?: string; port?: number } = {};
  let compiled: RegExp | undefined;
  if (match['prefix'] !== undefined) {
    if (typeof match['prefix'] !== 'string') throw new ScenarioError(`${path}.match.prefix`, 'must be a string');
    parsed.prefix = match['prefix'];
  }
  if (match['regex'] !== undefined) {
    if (typeof match['regex'] !== 'string') throw new ScenarioError(`${path}.match.regex`, 'must be a string');
    try {
      compiled = new RegExp(match['regex']);
    } catch (error) {
      throw new ScenarioError(`${path}.match.regex`, `is not a valid regular expression (${(error as Error).message})`);
    }
    parsed.regex = match['regex'];
  }
  if (match['port'] !== undefined) parsed.port = nonNegative(match['port'], `${path}.match.port`);
  const outcomes = value['outcomes'];
  if (!Array.isArray(outcomes) || outcomes.length === 0)
    throw new ScenarioError(`${path}.outcomes`, 'must be a non-empty array');
  const specs = outcomes.map((o: Json, i) => outcomeSpec(o, `${path}.outcomes[${i}]`));
  if (specs.every((s) => s.weight === 0))
    throw new ScenarioError(`${path}.outcomes`, 'needs at least one positive weight');
  return compiled === undefined ? { match: parsed, outcomes: specs } : { match: parsed, compiled, outcomes: specs };
}

function rules(value: Json, path: string): Rule[] {
  if (!Array.isArray(value) || value.length === 0) throw new ScenarioError(path, 'must be a non-empty array of rules');
  return value.map((r: Json, i) => rule(r, `${path}[${i}]`));
}

/** Validates parsed JSON into a Scenario; throws ScenarioError naming the offending path. */
export function parseScenario(value: Json): Scenario {
  if (!isObject(value)) throw new ScenarioError('$', 'must be a JSON object');
  const name = typeof value['name'] === 'string' ? value['name'] : 'unnamed';
  const schedule: ScheduleEntry[] = [{ fromMs: 0, rules: rules(value['rules'], '$.rules') }];
  const extra = value['schedule'];
  if (extra !== undefined) {
    if (!Array.isArray(extra)) throw new ScenarioError('$.schedule', 'must be an array');
    extra.forEach((entry: Json, i) => {
      const path = `$.schedule[${i}]`;
      if (!isObject(entry)) throw new ScenarioError(path, 'must be an object');
      schedule.push({
        fromMs: nonNegative(entry['fromMs'], `${path}.fromMs`),
        rules: rules(entry['rules'], `${path}.rules`),
      });
    });
    schedule.sort((a, b) => a.fromMs - b.fromMs);
  }
  const agentsJson = value['agents'] ?? {};
  if (!isObject(agentsJson)) throw new ScenarioError('$.agents', 'must be an object');
  const agents: { answerMs: MsRange; talkMs?: MsRange } = {
    answerMs:
      agentsJson['answerMs'] === undefined
        ? { min: 500, max: 500 }
        : range(agentsJson['answerMs'], '$.agents.answerMs'),
  };
  if (agentsJson['talkMs'] !== undefined) agents.talkMs = range(agentsJson['talkMs'], '$.agents.talkMs');
  const directory = directoryOf(agentsJson['directory']);
  const scenario: { -readonly [K in keyof Scenario]: Scenario[K] } = {
    name,
    schedule,
    agents: directory === undefined ? agents : { ...agents, directory },
    dialplan: dialplanOf(value['dialplan']),
    modules: modulesOf(value['modules']),
    sessionsPerSecond:
      value['sessionsPerSecond'] === undefined
        ? 30
        : positiveInteger(value['sessionsPerSecond'], '$.sessionsPerSecond'),
  };
  if (value['gateways'] !== undefined) scenario.gateways = gatewaysOf(value['gateways']);
  return scenario;
}

function modulesOf(value: Json): ReadonlySet<string> {
  if (value === undefined) return new Set();
  if (!Array.isArray(value)) throw new ScenarioError('$.modules', 'must be an array of module names');
  return new Set(
    value.map((m: Json, i) => {
      if (typeof m !== 'string' || !/^mod_[a-z0-9_]+$/.test(m))
        throw new ScenarioError(`$.modules[${i}]`, 'must be a module name like mod_amd');
      return m;
    }),
  );
}

function positiveInteger(value: Json, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw new ScenarioError(path, 'must be a positive integer');
  return value;
}

const NAME = /^[A-Za-z0-9_.@-]+$/;

function gatewaysOf(value: Json): ReadonlySet<string> {
  if (!Array.isArray(value)) throw new ScenarioError('$.gateways', 'must be an array of gateway names');
  return new Set(
    value.map((g: Json, i) => {
      if (typeof g !== 'string' || !NAME.test(g))
        throw new ScenarioError(`$.gateways[${i}]`, 'must be a gateway name (letters, digits, . _ - @)');
      return g;
    }),
  );
}

function directoryOf(value: Json): ReadonlyMap<string, DirectoryEntry> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value))
    throw new ScenarioError('$.agents.directory', 'must map user ids to "registered" or "unregistered"');
  const out = new Map<string, DirectoryEntry>();
  for (const [id, state] of Object.entries(value)) {
    if (!NAME.test(id)) throw new ScenarioError(`$.agents.directory.${id}`, 'is not a valid user id');
    if (state !== 'registered' && state !== 'unregistered')
      throw new ScenarioError(`$.agents.directory.${id}`, 'must be "registered" or "unregistered"');
    out.set(id, state);
  }
  return out;
}

function dialplanOf(value: Json): ReadonlyMap<string, readonly DialplanStep[]> {
  const out = new Map<string, readonly DialplanStep[]>();
  if (value === undefined) return out;
  if (!isObject(value)) throw new ScenarioError('$.dialplan', 'must map extensions to lists of {"app", "arg"}');
  for (const [extension, steps] of Object.entries(value)) {
    const path = `$.dialplan.${extension}`;
    if (!Array.isArray(steps) || steps.length === 0) throw new ScenarioError(path, 'must be a non-empty array');
    out.set(
      extension,
      steps.map((step: Json, i) => {
        if (!isObject(step) || typeof step['app'] !== 'string' || step['app'] === '')
          throw new ScenarioError(`${path}[${i}].app`, 'must be an application name');
        const arg = step['arg'] ?? '';
        if (typeof arg !== 'string') throw new ScenarioError(`${path}[${i}].arg`, 'must be a string');
        return { app: step['app'], arg };
      }),
    );
  }
  return out;
}

/** The fate of one call, fixed when it is placed. */
export interface CallPlan {
  readonly outcome: Outcome;
  readonly ringMs: number;
  readonly earlyMedia: boolean;
  readonly talkMs?: number;
  readonly amdVerdict: 'human' | 'machine' | 'none';
  readonly amdDelayMs: number;
  readonly beepMs?: number;
  readonly dtmf: readonly TimedDigits[];
  readonly speech: readonly TimedSpeech[];
}

function matches(r: Rule, number: string, port: number | undefined): boolean {
  if (r.match.prefix !== undefined && !number.startsWith(r.match.prefix)) return false;
  if (r.compiled !== undefined && !r.compiled.test(number)) return false;
  if (r.match.port !== undefined && r.match.port !== port) return false;
  return true;
}

const draw = (prng: Prng, r: MsRange): number => Math.round(prng.between(r.min, r.max));

/** Picks the rule and outcome for a call; `key` must identify the call independently of timing. */
export function planCall(
  scenario: Scenario,
  input: {
    readonly number: string;
    readonly port?: number;
    readonly elapsedMs: number;
    readonly seed: number;
    readonly key: string;
  },
): CallPlan {
  let active = scenario.schedule[0];
  for (const entry of scenario.schedule) if (entry.fromMs <= input.elapsedMs) active = entry;
  const rule = active?.rules.find((r) => matches(r, input.number, input.port));
  const prng = Prng.forKey(input.seed, input.key);
  if (rule === undefined) {
    return {
      outcome: 'invalid',
      ringMs: 40,
      earlyMedia: false,
      amdVerdict: 'none',
      amdDelayMs: 0,
      dtmf: [],
      speech: [],
    };
  }
  const total = rule.outcomes.reduce((sum, o) => sum + o.weight, 0);
  let pick = prng.next() * total;
  let spec = rule.outcomes[rule.outcomes.length - 1] as OutcomeSpec;
  for (const o of rule.outcomes) {
    if (pick < o.weight) {
      spec = o;
      break;
    }
    pick -= o.weight;
  }
  const answered = spec.outcome === 'human' || spec.outcome === 'machine';
  const plan: { -readonly [K in keyof CallPlan]: CallPlan[K] } = {
    outcome: spec.outcome,
    ringMs: draw(prng, spec.ringMs),
    earlyMedia: spec.earlyMedia,
    amdVerdict: answered ? (spec.outcome as 'human' | 'machine') : 'none',
    amdDelayMs: draw(prng, spec.amdDelayMs),
    dtmf: spec.dtmf,
    speech: spec.speech,
  };
  if (spec.talkMs !== undefined) plan.talkMs = draw(prng, spec.talkMs);
  if (spec.beepMs !== undefined) plan.beepMs = draw(prng, spec.beepMs);
  return plan;
}

/** An agent endpoint (`user/<agent>`): always answers, after `agents.answerMs`; hangs up after `agents.talkMs` if set. */
export function planAgentCall(scenario: Scenario, input: { readonly seed: number; readonly key: string }): CallPlan {
  const prng = Prng.forKey(input.seed, input.key);
  const plan: { -readonly [K in keyof CallPlan]: CallPlan[K] } = {
    outcome: 'human',
    ringMs: draw(prng, scenario.agents.answerMs),
    earlyMedia: false,
    amdVerdict: 'none',
    amdDelayMs: 0,
    dtmf: [],
    speech: [],
  };
  if (scenario.agents.talkMs !== undefined) plan.talkMs = draw(prng, scenario.agents.talkMs);
  return plan;
}

/** Masks a phone number for logs and ground truth: 13812341234 → 138****1234. */
export function maskNumber(number: string): string {
  if (number.length <= 7) return `${number.slice(0, 1)}****${number.slice(-2)}`;
  return `${number.slice(0, 3)}****${number.slice(-4)}`;
}

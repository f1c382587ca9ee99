// The variables a rule's CEL expressions may use: declared once here with their types (so every
// expression is type-checked on save), documented in the README from the same list, and built
// for one lead and one event by `buildScope`, which bounds every input so that no expression can
// be made costly by data (tags, custom fields and event fields are capped in count and length).

import { Environment } from '@marcbachmann/cel-js';
import { DateTime } from 'luxon';

/** What rules may know about a lead: lead-ingest's fields without personal data. */
export interface LeadFacts {
  leadId: string;
  listId: string;
  tier: string;
  intent: string;
  orderValue: number;
  tags: readonly string[];
  custom: Readonly<Record<string, string>>;
  region: string;
  country: string;
  /** IANA zone of the callee; empty: the service's default zone. */
  timeZone: string;
  /** CALLABLE, DO_NOT_CALL, INVALID_NUMBER, DONE. */
  status: string;
  createdAtMs?: number;
}

/** What the rules service has recorded about a lead in one campaign. */
export interface LeadHistory {
  attempts: number;
  lastOutcome: string;
  lastDisposition: string;
  lastAttemptAtMs?: number;
  lastAnswered: boolean;
  /** Tasks emitted on `tasksDay` (the callee's local date). */
  tasksToday: number;
  tasksDay: string;
  lastTaskAtMs?: number;
  refusedAtMs?: number;
  optedOut: boolean;
  /** Script of the last call task (complaints are counted against it). */
  lastScript?: string;
}

export const EMPTY_HISTORY: LeadHistory = Object.freeze({
  attempts: 0,
  lastOutcome: '',
  lastDisposition: '',
  lastAnswered: false,
  tasksToday: 0,
  tasksDay: '',
  optedOut: false,
});

export type FieldValue = string | number | boolean;

/** The fact being evaluated: an event (a timer set by an elapsed-time rule carries its event). */
export interface EventFacts {
  /** e.g. `leads.ingested`, `attempts.completed`, `calls.hangup`, `webhook.cart_abandoned`. */
  type: string;
  /** Webhook events: the activity's name; others: empty. */
  name: string;
  fields: Readonly<Record<string, FieldValue>>;
  occurredAtMs: number;
}

// Caps that keep every expression's cost bounded whatever the data.
export const INPUT_LIMITS = Object.freeze({ tags: 64, customFields: 64, eventFields: 64, stringLength: 256 });

/** CEL's runtime classes: one instance per scope, fields read by the evaluator directly. */
class Lead {
  constructor(
    readonly id: string,
    readonly listId: string,
    readonly tier: string,
    readonly intent: string,
    readonly orderValue: number,
    readonly tags: string[],
    readonly custom: Map<string, string>,
    readonly region: string,
    readonly country: string,
    readonly timeZone: string,
    readonly status: string,
    readonly ageMinutes: bigint,
    readonly attempts: bigint,
    readonly tasksToday: bigint,
    readonly minutesSinceLastTask: bigint,
    readonly optedOut: boolean,
  ) {}
}

class Last {
  constructor(
    readonly outcome: string,
    readonly disposition: string,
    readonly attemptNumber: bigint,
    readonly minutesAgo: bigint,
    readonly answered: boolean,
  ) {}
}

class Event {
  constructor(
    readonly type: string,
    readonly name: string,
    readonly fields: Map<string, FieldValue | bigint>,
    readonly minutesAgo: bigint,
  ) {}
}

class Stats {
  constructor(
    readonly connectRate: number,
    readonly isBestHour: boolean,
  ) {}
}

class Local {
  constructor(
    readonly hour: bigint,
    readonly minute: bigint,
    readonly minuteOfDay: bigint,
    readonly hhmm: string,
    readonly weekday: bigint,
    readonly date: string,
  ) {}
}

export interface VariableDoc {
  name: string;
  type: string;
  description: string;
}

/** The documented catalogue (the README's table is this list). */
export const VARIABLES: readonly VariableDoc[] = [
  { name: 'lead.id', type: 'string', description: 'lead id' },
  { name: 'lead.listId', type: 'string', description: 'lead-ingest list id' },
  { name: 'lead.tier', type: 'string', description: 'tier from lead-ingest (A, B, C, D or empty)' },
  { name: 'lead.intent', type: 'string', description: '"high", "medium", "low" or empty' },
  { name: 'lead.orderValue', type: 'double', description: 'order value (0 when unknown)' },
  { name: 'lead.tags', type: 'list<string>', description: 'tags (at most 64)' },
  {
    name: 'lead.custom',
    type: 'map<string, string>',
    description: 'custom fields, e.g. lead.custom["sku"] (at most 64)',
  },
  { name: 'lead.region', type: 'string', description: 'region of the number' },
  { name: 'lead.country', type: 'string', description: 'ISO 3166 country of the number' },
  { name: 'lead.timeZone', type: 'string', description: 'IANA zone of the callee' },
  { name: 'lead.status', type: 'string', description: 'CALLABLE, DO_NOT_CALL, INVALID_NUMBER or DONE' },
  {
    name: 'lead.ageMinutes',
    type: 'int',
    description: 'minutes since the lead was ingested (on leads.ingested and the timers it set; -1 otherwise)',
  },
  { name: 'lead.attempts', type: 'int', description: 'call attempts so far in this campaign' },
  { name: 'lead.tasksToday', type: 'int', description: 'tasks emitted for the lead today (callee local date)' },
  { name: 'lead.minutesSinceLastTask', type: 'int', description: 'minutes since the last task (-1 none)' },
  { name: 'lead.optedOut', type: 'bool', description: 'the lead asked for no more contact (no task goes out anyway)' },
  {
    name: 'last.outcome',
    type: 'string',
    description: 'outcome of the last attempt (busy, no_answer, connected, …; empty none)',
  },
  { name: 'last.disposition', type: 'string', description: 'closing reason / disposition of the last attempt' },
  { name: 'last.attemptNumber', type: 'int', description: 'number of the last attempt (0 none)' },
  { name: 'last.minutesAgo', type: 'int', description: 'minutes since the last attempt ended (-1 none)' },
  { name: 'last.answered', type: 'bool', description: 'the last attempt was answered' },
  {
    name: 'event.type',
    type: 'string',
    description:
      'leads.ingested, leads.updated, attempts.completed, calls.hangup, webhook.<name> (a timer keeps its event)',
  },
  { name: 'event.name', type: 'string', description: 'webhook activity name (e.g. cart_abandoned); empty otherwise' },
  {
    name: 'event.fields',
    type: 'map<string, dyn>',
    description: 'event fields: attempts.completed outcome, attemptNumber, billsec; webhook fields (at most 64)',
  },
  { name: 'event.minutesAgo', type: 'int', description: 'minutes since the event (grows for elapsed-time triggers)' },
  { name: 'local.hour', type: 'int', description: 'callee local hour 0..23' },
  { name: 'local.minute', type: 'int', description: 'callee local minute 0..59' },
  { name: 'local.minuteOfDay', type: 'int', description: 'hour * 60 + minute' },
  {
    name: 'local.hhmm',
    type: 'string',
    description: '"HH:MM", compares as text: local.hhmm >= "11:30" && local.hhmm < "13:30"',
  },
  { name: 'local.weekday', type: 'int', description: '1 = Monday … 7 = Sunday' },
  { name: 'local.date', type: 'string', description: 'callee local date YYYY-MM-DD' },
  {
    name: 'stats.connectRate',
    type: 'double',
    description:
      "connect rate of the lead's segment (tier) at this local hour in this campaign (-1.0 below 20 attempts)",
  },
  {
    name: 'stats.isBestHour',
    type: 'bool',
    description: "this local hour is one of the segment's three best by connect rate (false while unknown)",
  },
];

/** Structural limits applied by the parser (an expression past them is refused on save). */
export const EXPRESSION_LIMITS = Object.freeze({
  maxAstNodes: 256,
  maxDepth: 32,
  maxListElements: 64,
  maxMapEntries: 64,
  maxCallArguments: 8,
});

/** The one environment every expression is checked and compiled in. */
export function createEnvironment(): Environment {
  return new Environment({ limits: EXPRESSION_LIMITS })
    .registerType('Lead', {
      ctor: Lead,
      fields: {
        id: 'string',
        listId: 'string',
        tier: 'string',
        intent: 'string',
        orderValue: 'double',
        tags: 'list<string>',
        custom: 'map<string, string>',
        region: 'string',
        country: 'string',
        timeZone: 'string',
        status: 'string',
        ageMinutes: 'int',
        attempts: 'int',
        tasksToday: 'int',
        minutesSinceLastTask: 'int',
        optedOut: 'bool',
      },
    })
    .registerType('Last', {
      ctor: Last,
      fields: { outcome: 'string', disposition: 'string', attemptNumber: 'int', minutesAgo: 'int', answered: 'bool' },
    })
    .registerType('Event', {
      ctor: Event,
      fields: { type: 'string', name: 'string', fields: 'map<string, dyn>', minutesAgo: 'int' },
    })
    .registerType('Local', {
      ctor: Local,
      fields: {
        hour: 'int',
        minute: 'int',
        minuteOfDay: 'int',
        hhmm: 'string',
        weekday: 'int',
        date: 'string',
      },
    })
    .registerType('Stats', { ctor: Stats, fields: { connectRate: 'double', isBestHour: 'bool' } })
    .registerVariable('stats', 'Stats')
    .registerVariable('lead', 'Lead')
    .registerVariable('last', 'Last')
    .registerVariable('event', 'Event')
    .registerVariable('local', 'Local');
}

/** The evaluation context of one lead and one event at one instant (shared by all rules of a set). */
export interface Scope {
  readonly lead: Lead;
  readonly last: Last;
  readonly event: Event;
  readonly local: Local;
  readonly stats: Stats;
  /** Callee local date, for per-day counts. */
  readonly localDate: string;
}

function str(value: string | undefined): string {
  const s = value ?? '';
  return s.length > INPUT_LIMITS.stringLength ? s.slice(0, INPUT_LIMITS.stringLength) : s;
}

function minutesSince(nowMs: number, thenMs: number | undefined): bigint {
  return thenMs === undefined ? -1n : BigInt(Math.max(0, Math.floor((nowMs - thenMs) / 60_000)));
}

function fieldValue(value: FieldValue): FieldValue | bigint {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (typeof value === 'string') return str(value);
  return value;
}

/** Local-time fields of an instant in a zone (falls back to `defaultZone` for an unknown zone). */
export function localTime(nowMs: number, zone: string, defaultZone: string): Local {
  let dt = DateTime.fromMillis(nowMs, { zone: zone || defaultZone });
  if (!dt.isValid) dt = DateTime.fromMillis(nowMs, { zone: defaultZone });
  const hhmm = `${String(dt.hour).padStart(2, '0')}:${String(dt.minute).padStart(2, '0')}`;
  return new Local(
    BigInt(dt.hour),
    BigInt(dt.minute),
    BigInt(dt.hour * 60 + dt.minute),
    hhmm,
    BigInt(dt.weekday),
    dt.toISODate() ?? '',
  );
}

export function buildScope(
  lead: LeadFacts,
  history: LeadHistory,
  event: EventFacts,
  nowMs: number,
  defaultZone: string,
  stats: { connectRate: number; isBestHour: boolean } = { connectRate: -1, isBestHour: false },
): Scope {
  const local = localTime(nowMs, lead.timeZone, defaultZone);
  const tasksToday = history.tasksDay === local.date ? history.tasksToday : 0;
  const custom = new Map<string, string>();
  for (const [key, value] of Object.entries(lead.custom)) {
    if (custom.size >= INPUT_LIMITS.customFields) break;
    custom.set(str(key), str(value));
  }
  const fields = new Map<string, FieldValue | bigint>();
  for (const [key, value] of Object.entries(event.fields)) {
    if (fields.size >= INPUT_LIMITS.eventFields) break;
    fields.set(str(key), fieldValue(value));
  }
  return {
    lead: new Lead(
      lead.leadId,
      lead.listId,
      str(lead.tier),
      str(lead.intent),
      Number.isFinite(lead.orderValue) ? lead.orderValue : 0,
      lead.tags.slice(0, INPUT_LIMITS.tags).map(str),
      custom,
      str(lead.region),
      str(lead.country),
      str(lead.timeZone),
      str(lead.status),
      minutesSince(nowMs, lead.createdAtMs),
      BigInt(history.attempts),
      BigInt(tasksToday),
      minutesSince(nowMs, history.lastTaskAtMs),
      history.optedOut,
    ),
    last: new Last(
      history.lastOutcome,
      history.lastDisposition,
      BigInt(history.attempts),
      minutesSince(nowMs, history.lastAttemptAtMs),
      history.lastAnswered,
    ),
    event: new Event(event.type, event.name, fields, minutesSince(nowMs, event.occurredAtMs)),
    local,
    stats: new Stats(stats.connectRate, stats.isBestHour),
    localDate: local.date,
  };
}

/** The costliest inputs the limits allow: expressions are trial-run on this scope when saved. */
export function worstCaseScope(nowMs: number): Scope {
  const long = 'x'.repeat(INPUT_LIMITS.stringLength);
  const tags = Array.from({ length: INPUT_LIMITS.tags }, (_, i) => `${long.slice(3)}${String(i).padStart(3, '0')}`);
  const custom = Object.fromEntries(tags.slice(0, INPUT_LIMITS.customFields).map((t) => [t, long]));
  const fields = Object.fromEntries(tags.slice(0, INPUT_LIMITS.eventFields).map((t) => [t, long]));
  return buildScope(
    {
      leadId: 'worst',
      listId: 'worst',
      tier: long,
      intent: long,
      orderValue: 1e9,
      tags,
      custom,
      region: long,
      country: long,
      timeZone: 'UTC',
      status: 'CALLABLE',
      createdAtMs: nowMs - 86_400_000,
    },
    { ...EMPTY_HISTORY, attempts: 3, lastOutcome: long, lastDisposition: long, lastAttemptAtMs: nowMs - 60_000 },
    { type: 'webhook.worst', name: long, fields, occurredAtMs: nowMs - 60_000 },
    nowMs,
    'UTC',
  );
}

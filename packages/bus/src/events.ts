import { z } from 'zod';

/**
 * Every event the platform publishes: subject, version and payload schema in one place.
 * Payloads carry ids, never personal data (no numbers, no names).
 */
export interface EventType<Name extends string, Payload> {
  readonly type: Name;
  readonly version: number;
  readonly stream: StreamName;
  readonly schema: z.ZodType<Payload>;
  /** Concrete subject for one payload, e.g. `calls.answered.<campaign>`. */
  subject(payload: Payload): string;
  /** Subject filter matching every event of this type. */
  readonly filter: string;
  /** Subject of the events of this type for one key value (e.g. one campaign). */
  subjectForKey(key: string): string;
}

export type StreamName =
  | 'CALLS'
  | 'ATTEMPTS'
  | 'LEADS'
  | 'TASKS'
  | 'TRANSCRIPTS'
  | 'COMPLIANCE'
  | 'DIAGNOSTICS'
  | 'LINES'
  | 'RULES'
  | 'RECORDING_JOBS';

export interface StreamSpec {
  name: StreamName | 'DEAD_LETTERS';
  subjects: string[];
  /** Retention of the stream's messages. */
  maxAgeMs: number;
  /**
   * `workqueue`: a message is removed once acknowledged (a job queue); default `limits` (kept until
   * `maxAgeMs`). JetStream cannot change this on an existing stream.
   */
  retention?: 'limits' | 'workqueue';
}

const DAY_MS = 86_400_000;

export const STREAMS: readonly StreamSpec[] = [
  { name: 'CALLS', subjects: ['calls.>'], maxAgeMs: 30 * DAY_MS },
  { name: 'ATTEMPTS', subjects: ['attempts.>'], maxAgeMs: 30 * DAY_MS },
  { name: 'LEADS', subjects: ['leads.>'], maxAgeMs: 30 * DAY_MS },
  { name: 'TASKS', subjects: ['tasks.>'], maxAgeMs: 7 * DAY_MS },
  { name: 'TRANSCRIPTS', subjects: ['transcripts.>'], maxAgeMs: 30 * DAY_MS },
  { name: 'COMPLIANCE', subjects: ['compliance.>'], maxAgeMs: 365 * DAY_MS },
  { name: 'DIAGNOSTICS', subjects: ['diagnostics.>'], maxAgeMs: DAY_MS },
  { name: 'RULES', subjects: ['rules.>'], maxAgeMs: 30 * DAY_MS },
  { name: 'LINES', subjects: ['lines.>'], maxAgeMs: 7 * DAY_MS },
  // The recording service's transcription jobs: gone once done (or dead-lettered).
  { name: 'RECORDING_JOBS', subjects: ['recording.jobs.>'], maxAgeMs: 14 * DAY_MS, retention: 'workqueue' },
  { name: 'DEAD_LETTERS', subjects: ['dlq.>'], maxAgeMs: 30 * DAY_MS },
];

// Subject tokens may not contain spaces, dots or wildcards.
const token = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a subject-safe id');

function defineEvent<Name extends string, Payload extends object>(spec: {
  type: Name;
  version: number;
  stream: StreamName;
  schema: z.ZodType<Payload>;
  /** Payload field whose value is the last subject token (keeps per-campaign consumers cheap). */
  keyField?: keyof Payload & string;
}): EventType<Name, Payload> {
  const { keyField } = spec;
  return Object.freeze({
    type: spec.type,
    version: spec.version,
    stream: spec.stream,
    schema: spec.schema,
    filter: keyField ? `${spec.type}.*` : spec.type,
    subject: (payload: Payload) => (keyField ? `${spec.type}.${String(payload[keyField])}` : spec.type),
    subjectForKey: (key: string) => (keyField ? `${spec.type}.${key}` : spec.type),
  });
}

const attempt = {
  campaignId: token,
  leadId: token,
  attemptId: token,
};

/** Why the rules service emitted a task: the rule and the rule set version it belongs to. */
const taskReason = z.object({
  ruleSetId: token,
  ruleId: token,
  version: z.number().int().min(1),
  /** What set it off, e.g. `leads.ingested`, `timer`, `attempts.completed`. */
  trigger: z.string().max(128),
});

const callBase = z.object({
  ...attempt,
  callId: z.string().min(1),
  node: z.string().min(1),
});

export const events = {
  diagnosticsEchoed: defineEvent({
    type: 'diagnostics.echoed',
    version: 1,
    stream: 'DIAGNOSTICS',
    schema: z.object({ probe: token, index: z.number().int().min(0) }),
    keyField: 'probe',
  }),
  callOriginated: defineEvent({
    type: 'calls.originated',
    version: 1,
    stream: 'CALLS',
    schema: callBase,
    keyField: 'campaignId',
  }),
  callRinging: defineEvent({
    type: 'calls.ringing',
    version: 1,
    stream: 'CALLS',
    schema: callBase.extend({ earlyMedia: z.boolean() }),
    keyField: 'campaignId',
  }),
  callAnswered: defineEvent({
    type: 'calls.answered',
    version: 1,
    stream: 'CALLS',
    schema: callBase,
    keyField: 'campaignId',
  }),
  callAmd: defineEvent({
    type: 'calls.amd',
    version: 1,
    stream: 'CALLS',
    schema: callBase.extend({
      verdict: z.enum(['human', 'machine', 'unknown']),
      detectMs: z.number().int().min(0),
      /** Which detector decided (absent from events before it was added). */
      detector: z.enum(['mod_amd', 'mod_avmd', 'none']).optional(),
    }),
    keyField: 'campaignId',
  }),
  callBridged: defineEvent({
    type: 'calls.bridged',
    version: 1,
    stream: 'CALLS',
    schema: callBase.extend({ agentCallId: z.string().min(1) }),
    keyField: 'campaignId',
  }),
  callAbandoned: defineEvent({
    type: 'calls.abandoned',
    version: 1,
    stream: 'CALLS',
    schema: callBase.extend({ waitedMs: z.number().int().min(0) }),
    keyField: 'campaignId',
  }),
  callHangup: defineEvent({
    type: 'calls.hangup',
    version: 1,
    stream: 'CALLS',
    schema: callBase.extend({
      cause: z.string().min(1),
      sipStatus: z.number().int().optional(),
      billsec: z.number().int().min(0),
      answered: z.boolean(),
      /** When the far end answered: the hang-up alone then completes the call's record, whichever
       *  consumer its answered fact waits in (absent from events before it was added). */
      answeredAt: z.string().datetime().optional(),
      /** The customer's first bridge, likewise. */
      bridgedAt: z.string().datetime().optional(),
      agentCallId: z.string().min(1).optional(),
    }),
    keyField: 'campaignId',
  }),
  /** A call attempt ended (stored in the dialer's attempts table first): outcome, cause, timing. */
  attemptCompleted: defineEvent({
    type: 'attempts.completed',
    version: 1,
    stream: 'ATTEMPTS',
    schema: z.object({
      ...attempt,
      attemptNumber: z.number().int().min(1),
      outcome: z.enum([
        'connected',
        'abandoned',
        'machine',
        'busy',
        'no_answer',
        'invalid_number',
        'rejected',
        'network_failure',
        'denied',
        'failed',
      ]),
      hangupCause: z.string().optional(),
      sipStatus: z.number().int().optional(),
      billsec: z.number().int().min(0).optional(),
      answered: z.boolean(),
      bridged: z.boolean(),
      agentId: token.optional(),
      /** When the lead is due again; absent when it is closed. */
      nextAttemptAt: z.string().datetime().optional(),
      closedReason: z.string().optional(),
    }),
    keyField: 'campaignId',
  }),
  leadIngested: defineEvent({
    type: 'leads.ingested',
    version: 1,
    stream: 'LEADS',
    schema: z.object({ listId: token, leadIds: z.array(token).max(1000), importJobId: z.string().optional() }),
    keyField: 'listId',
  }),
  leadUpdated: defineEvent({
    type: 'leads.updated',
    version: 1,
    stream: 'LEADS',
    schema: z.object({ listId: token, leadIds: z.array(token).max(1000) }),
    keyField: 'listId',
  }),
  leadInvalidated: defineEvent({
    type: 'leads.invalidated',
    version: 1,
    stream: 'LEADS',
    schema: z.object({ listId: token, leadId: token, reason: z.string() }),
    keyField: 'listId',
  }),
  /** A line (gateway, trunk) changed state: taken out by its failures, on probation, or back in. */
  lineHealth: defineEvent({
    type: 'lines.health',
    version: 1,
    stream: 'LINES',
    schema: z.object({
      line: token,
      state: z.enum(['in', 'out', 'probation']),
      asr: z.number().min(0).max(1),
      failureRate: z.number().min(0).max(1),
      calls: z.number().int().min(0),
      channelsInUse: z.number().int().min(0),
    }),
    keyField: 'line',
  }),
  callTask: defineEvent({
    type: 'tasks.call',
    version: 1,
    stream: 'TASKS',
    schema: z.object({
      ...attempt,
      priority: z.number().int(),
      script: z.string().optional(),
      lineClass: z.string().optional(),
      notBefore: z.string().datetime().optional(),
      /** Set by the rules service: the task's own id (also its Nats-Msg-Id) and why it was emitted. */
      taskId: token.optional(),
      reason: taskReason.optional(),
    }),
    keyField: 'campaignId',
  }),
  /** Send an SMS to a lead (the rules service's SMS sender consumes it): template body, never the text with personal data. */
  smsTask: defineEvent({
    type: 'tasks.sms',
    version: 1,
    stream: 'TASKS',
    schema: z.object({
      taskId: token,
      campaignId: token,
      leadId: token,
      /** Body template with {{lead.*}} / {{event.fields.*}} placeholders, filled by the sender. */
      template: z.string().min(1).max(1000),
      /** Values for {{event.fields.*}} placeholders (no personal data). */
      fields: z.record(z.string(), z.union([z.string().max(256), z.number(), z.boolean()])).optional(),
      notBefore: z.string().datetime().optional(),
      reason: taskReason,
    }),
    keyField: 'campaignId',
  }),
  /**
   * Something a lead did outside a call, posted to the rules service's webhook (an abandoned cart,
   * a form): `name` says what, `fields` carry ids and amounts, never personal data.
   */
  leadActivity: defineEvent({
    type: 'leads.activity',
    version: 1,
    stream: 'LEADS',
    schema: z.object({
      campaignId: token,
      leadId: token,
      name: token,
      fields: z.record(z.string().max(64), z.union([z.string().max(256), z.number(), z.boolean()])),
    }),
    keyField: 'campaignId',
  }),
  /**
   * The rules service's feedback: a script's complaint rate (opt-outs after connected calls that
   * carried it) passed the threshold. Once per campaign, script and day.
   */
  rulesScriptFlagged: defineEvent({
    type: 'rules.script_flagged',
    version: 1,
    stream: 'RULES',
    schema: z.object({
      campaignId: token,
      script: z.string().min(1).max(64),
      connected: z.number().int().min(0),
      complaints: z.number().int().min(0),
      complaintRate: z.number().min(0),
      threshold: z.number().min(0),
    }),
    keyField: 'campaignId',
  }),
  /** A customer asked for no more contact (DTMF, a spoken "退订", SMS reply, agent): every channel stops. */
  complianceOptOut: defineEvent({
    type: 'compliance.optout',
    version: 1,
    stream: 'COMPLIANCE',
    schema: z.object({
      campaignId: token,
      leadId: token,
      attemptId: token.optional(),
      channel: z.enum(['dtmf', 'speech', 'sms', 'agent', 'web']),
    }),
    keyField: 'campaignId',
  }),
  /**
   * A number was put on a do-not-call list by number (compliance's AddDoNotCall) and is barred
   * now. The number travels as its platform blind index (`@outbound/blind-index`: the same key and
   * function in every service), never in the clear; lead-ingest marks every lead with it
   * DO_NOT_CALL. `campaignId` set: the entry binds that campaign only. `lockedUntil`: a refusal
   * whose lock ends then (absent for the other kinds and for a final refusal).
   */
  complianceDncAdded: defineEvent({
    type: 'compliance.dnc_added',
    version: 1,
    stream: 'COMPLIANCE',
    schema: z.object({
      blindIndex: z.string().regex(/^[0-9a-f]{32}$/, 'must be a blind index in lower-case hex'),
      kind: z.enum(['internal', 'opt_out', 'refusal']),
      campaignId: token.optional(),
      lockedUntil: z.string().datetime().optional(),
    }),
  }),
  /**
   * A recording of a call is finished and its file closed on the node (FreeSWITCH's RECORD_STOP):
   * `path` is relative to the node's recordings folder (`<callId>/<recordingId>.wav`).
   */
  callRecorded: defineEvent({
    type: 'calls.recorded',
    version: 1,
    stream: 'CALLS',
    schema: callBase.extend({
      recordingId: token,
      path: z
        .string()
        .max(300)
        .regex(/^[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+\.wav$/, 'must be <callId>/<recordingId>.wav'),
      durationMs: z.number().int().min(0).optional(),
      sizeBytes: z.number().int().min(0).optional(),
      /** FreeSWITCH's Record-Completion-Cause, e.g. `success-silence` when the call ended. */
      cause: z.string().max(64).optional(),
    }),
    keyField: 'campaignId',
  }),
  /**
   * A stored recording to transcribe (the recording service's own work queue). `queue` names the
   * consumer group (the service's durable prefix): a work queue allows one consumer per subject.
   */
  recordingTranscribe: defineEvent({
    type: 'recording.jobs.transcribe',
    version: 1,
    stream: 'RECORDING_JOBS',
    schema: z.object({ queue: token, ...attempt, recordingId: token }),
    keyField: 'queue',
  }),
  /**
   * A recording's transcript is stored and analysed: ids, intent tags and counts, never the text.
   */
  transcriptsReady: defineEvent({
    type: 'transcripts.ready',
    version: 1,
    stream: 'TRANSCRIPTS',
    schema: z.object({
      ...attempt,
      callId: z.string().min(1),
      recordingId: token,
      /** Intent tags found (e.g. `not_interested`, `price`), each with how often. */
      intents: z.array(z.object({ tag: z.string().min(1).max(64), count: z.number().int().min(1) })).max(100),
      segments: z.number().int().min(0),
      words: z.number().int().min(0),
      keywordHits: z.number().int().min(0),
      sensitiveHits: z.number().int().min(0),
      durationMs: z.number().int().min(0),
      engine: z.string().max(64),
    }),
    keyField: 'campaignId',
  }),
  /** A rule was broken during a call, e.g. sensitive words in the transcript. Words, never numbers. */
  complianceViolation: defineEvent({
    type: 'compliance.violation',
    version: 1,
    stream: 'COMPLIANCE',
    schema: z.object({
      ...attempt,
      kind: z.enum(['sensitive_words']),
      words: z.array(z.string().max(64)).max(100),
      lists: z.array(z.string().max(64)).max(20),
    }),
    keyField: 'campaignId',
  }),
} as const;

export type AnyEventType = EventType<string, object>;
export type PayloadOf<E> = E extends EventType<string, infer P> ? P : never;

/**
 * The domain's words for what happens to a call. Adapters turn these into `calls.*` events; raw
 * ESL headers never get this far.
 */

/** The ids a call carries from Originate to hangup. Never a phone number. */
export interface CallRef {
  readonly callId: string;
  readonly node: string;
  readonly campaignId: string;
  readonly leadId: string;
  readonly attemptId: string;
  /** W3C traceparent of the Originate's server span, if any. */
  readonly traceparent?: string;
}

/** The answering-machine detectors a node may offer. */
export type AmdDetectorName = 'mod_amd' | 'mod_avmd' | 'none';

export type AmdVerdict = 'human' | 'machine' | 'unknown';

export type CallEvent =
  | { readonly kind: 'originated'; readonly call: CallRef; readonly atMs: number }
  | { readonly kind: 'ringing'; readonly call: CallRef; readonly atMs: number; readonly earlyMedia: boolean }
  | { readonly kind: 'answered'; readonly call: CallRef; readonly atMs: number }
  | {
      readonly kind: 'amd';
      readonly call: CallRef;
      readonly atMs: number;
      readonly verdict: AmdVerdict;
      readonly detectMs: number;
      /** Which detector decided: mod_amd's `amd`, mod_avmd's beep detection, or none on the node. */
      readonly detector: AmdDetectorName;
    }
  | { readonly kind: 'bridged'; readonly call: CallRef; readonly atMs: number; readonly agentCallId: string }
  | {
      /** A recording's file is closed on the node: `path` is `<callId>/<recordingId>.wav`, relative to its folder. */
      readonly kind: 'recorded';
      readonly call: CallRef;
      readonly atMs: number;
      readonly recordingId: string;
      readonly path: string;
      readonly durationMs?: number;
      readonly sizeBytes?: number;
      readonly cause?: string;
    }
  | {
      readonly kind: 'hangup';
      readonly call: CallRef;
      readonly atMs: number;
      readonly cause: string;
      readonly sipStatus?: number;
      readonly billsec: number;
      readonly answered: boolean;
      readonly answeredAtMs?: number;
      /** The first bridge, as its bridged event said. */
      readonly bridge?: { readonly atMs: number; readonly agentCallId: string };
    };

export type CallEventKind = CallEvent['kind'];

/**
 * A stable id per (call, kind): a retried or duplicated publish of the same fact carries the same
 * Nats-Msg-Id and JetStream drops the second. Ringing with early media is a distinct fact.
 */
export function callEventId(event: CallEvent): string {
  // A call may be recorded more than once (stopped and started again): one fact per recording.
  if (event.kind === 'recorded') return `${event.call.callId}.recorded.${event.recordingId}`;
  const suffix = event.kind === 'ringing' && event.earlyMedia ? 'ringing-early' : event.kind;
  return `${event.call.callId}.${suffix}`;
}

/** Hangup cause used when a call vanished from its node while we were not listening. */
export const CAUSE_LOST_WHILE_DISCONNECTED = 'MEDIA_RECONCILED_GONE';

/** Hangup cause for a call whose originate reply never came and whose channel the node does not have. */
export const CAUSE_ORIGINATE_UNCONFIRMED = 'MEDIA_ORIGINATE_UNCONFIRMED';

/**
 * Hangup cause for an originate the node refused before making a channel because it was over its
 * sessions-per-second (FreeSWITCH says DESTINATION_OUT_OF_ORDER): an overload, not a network failure.
 */
export const CAUSE_NODE_OVERLOADED = 'MEDIA_NODE_OVERLOADED';

const RECORDING_FILE = /^[A-Za-z0-9_-]{1,128}\.wav$/;

/**
 * The recording a file path names, for a path media chose (`<folder>/<callId>/<recordingId>.wav`):
 * the id and the path relative to the recordings folder; undefined for any other file (a recording
 * someone else started on the channel is not ours to report).
 */
export function recordingOfPath(path: string, callId: string): { recordingId: string; path: string } | undefined {
  const parts = path.split('/');
  const file = parts[parts.length - 1] ?? '';
  const folder = parts[parts.length - 2];
  if (folder !== callId || !RECORDING_FILE.test(file) || !/^[A-Za-z0-9_-]{1,128}$/.test(callId)) return undefined;
  return { recordingId: file.slice(0, -'.wav'.length), path: `${callId}/${file}` };
}

import type { TimedSpeech } from '../domain/scenario.js';
import type { WavShape } from '../domain/wav.js';
import type { CallLeg } from './call-leg.js';

/**
 * What each side says during a recording, `atMs` from the recording's start: the files adapter
 * turns it into speech (customer on channel 0, our side on channel 1).
 */
export interface RecordingScript {
  readonly customer: readonly TimedSpeech[];
  readonly agent: readonly TimedSpeech[];
}

/** Where recordings go (a port: the files adapter writes them, tests may discard them). */
export interface RecordingStore {
  /** An empty WAV at `path`, its folder created, as FreeSWITCH opens the file when recording starts. */
  begin(path: string, shape: Omit<WavShape, 'samples'>): void;
  /** The finished recording; `script` says what is heard in it. */
  finish(path: string, shape: WavShape, script?: RecordingScript): void;
}

/** What `playback` finds at a path: nothing (FILE NOT FOUND), or a file and, when known, its length. */
export type MediaProbe = { readonly found: false } | { readonly found: true; readonly durationMs?: number };

/** Where recordings go and where playback looks for files. */
export interface MediaFiles extends RecordingStore {
  probe(path: string): MediaProbe;
}

/** No files written; every path plays (1 s unless a stream says otherwise). */
export const discardRecordings: MediaFiles = {
  begin: () => undefined,
  finish: () => undefined,
  probe: () => ({ found: true }),
};

/** A session_record media bug running on a leg. */
export interface ActiveRecording {
  readonly path: string;
  readonly startedUs: number;
  readonly channels: 1 | 2;
}

const SAMPLE_RATE = 8000;

/** What the customer says when the scenario gives the far end no words. */
export const DEFAULT_CUSTOMER_SPEECH: readonly TimedSpeech[] = [{ atMs: 1500, text: 'hello, who is calling please' }];
/** Our side's line: the agent (or robot) opening the call. */
export const AGENT_SPEECH: readonly TimedSpeech[] = [
  { atMs: 200, text: 'good morning, this is the customer service team calling about your account' },
];

/**
 * The script of a recording `durationMs` long that started `sinceAnswerMs` after the answer: the
 * far end's scenario speech (timed from the answer) shifted onto the recording, and the agent's line.
 * Pure: what is said before the recording starts or after it ends is not in it.
 */
export function recordingScript(
  farEnd: readonly TimedSpeech[],
  sinceAnswerMs: number,
  durationMs: number,
): RecordingScript {
  const customer = (farEnd.length > 0 ? farEnd : DEFAULT_CUSTOMER_SPEECH)
    .map((s) => ({ atMs: s.atMs - sinceAnswerMs, text: s.text }))
    .filter((s) => s.atMs >= 0 && s.atMs < durationMs);
  return { customer, agent: AGENT_SPEECH.filter((s) => s.atMs < durationMs) };
}

/** uuid_record start: the file is opened now; RECORD_START/MEDIA_BUG_START follow on the next media frame. */
export function startRecording(leg: CallLeg, path: string, store: RecordingStore): void {
  const channels = leg.vars.get('RECORD_STEREO') === 'true' ? 2 : 1;
  leg.recording = { path, startedUs: leg.now(), channels };
  store.begin(path, { channels, sampleRate: SAMPLE_RATE });
  void leg.pause(0).then(() => {
    leg.emit('recordStart', { after: [['Record-File-Path', path]] });
    leg.emit('mediaBugStart', {
      before: [
        ['Media-Bug-Function', 'session_record'],
        ['Media-Bug-Target', path],
      ],
    });
  });
}

/**
 * Ends the recording: the file is written, `record_*` variables set (25: size, samples, seconds,
 * ms, completion cause), then RECORD_STOP and MEDIA_BUG_STOP. `cause`: `success-maxtime` when
 * stopped by uuid_record (25), `success-silence` when the call ended (02).
 */
export function stopRecording(leg: CallLeg, store: RecordingStore, cause: string): void {
  const recording = leg.recording;
  if (recording === undefined) return;
  leg.recording = undefined;
  const ms = Math.max(0, Math.floor((leg.now() - recording.startedUs) / 1000 / 20) * 20);
  const shape: WavShape = { samples: (ms * SAMPLE_RATE) / 1000, channels: recording.channels, sampleRate: SAMPLE_RATE };
  const sinceAnswerMs = leg.answeredAtUs > 0 ? Math.max(0, (recording.startedUs - leg.answeredAtUs) / 1000) : 0;
  store.finish(recording.path, shape, recordingScript(leg.farEndSpeech, sinceAnswerMs, ms));
  leg.vars.setAll([
    ['record_file_size', String(44 + shape.samples * shape.channels * 2)],
    ['record_samples', String(shape.samples)],
    ['record_seconds', String(Math.floor(ms / 1000))],
    ['record_ms', String(ms)],
    ['record_completion_cause', cause],
  ]);
  leg.emit('recordStop', {
    after: [
      ['Record-File-Path', recording.path],
      ['Record-Completion-Cause', cause],
    ],
  });
  leg.emit('mediaBugStop', {
    before: [
      ['Media-Bug-Function', 'session_record'],
      ['Media-Bug-Target', recording.path],
    ],
  });
}

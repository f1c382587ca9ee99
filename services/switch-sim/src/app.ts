import { randomUUID } from 'node:crypto';
import { discardGroundTruth, groundTruthFile, type GroundTruthSink } from './adapters/ground-truth-file.js';
import { startEslServer } from './adapters/esl-server.js';
import { recordingFiles } from './adapters/recording-files.js';
import type { MediaFiles } from './engine/recording.js';
import type { Scenario } from './domain/scenario.js';
import { DEFAULT_IDENTITY } from './domain/switch-identity.js';
import { realClock, type SimClock } from './engine/clock.js';
import { SwitchCore, type GroundTruthRecord } from './engine/switch-core.js';

export interface AppDeps {
  readonly host: string;
  readonly port: number;
  readonly password: string;
  readonly scenario: Scenario;
  readonly seed: number;
  readonly groundTruthPath?: string;
  /** Seconds between HEARTBEAT events (FreeSWITCH: 20). */
  readonly heartbeatMs?: number;
  readonly speedUp?: number;
  readonly clock?: SimClock;
  /** Where uuid_record writes and playback reads (default: real WAV files at the requested paths). */
  readonly recordings?: MediaFiles;
  /** Extra observer of ground truth (tests). */
  readonly onTruth?: (record: GroundTruthRecord) => void;
}

export interface App {
  start(): Promise<{ host: string; port: number }>;
  /** Graceful: hang up calls (SYSTEM_SHUTDOWN), notify clients, close. */
  stop(): Promise<void>;
}

export function createApp(deps: AppDeps): App {
  const truthSink: GroundTruthSink =
    deps.groundTruthPath === undefined ? discardGroundTruth : groundTruthFile(deps.groundTruthPath);
  const core = new SwitchCore({
    identity: { ...DEFAULT_IDENTITY, coreUuid: randomUUID(), sessionsPerSecond: deps.scenario.sessionsPerSecond },
    scenario: deps.scenario,
    seed: deps.seed,
    clock: deps.clock ?? realClock(deps.speedUp ?? 1),
    recordings: deps.recordings ?? recordingFiles,
    recordTruth: (record) => {
      truthSink.record(record);
      deps.onTruth?.(record);
    },
  });
  let server: Awaited<ReturnType<typeof startEslServer>> | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  return {
    async start() {
      server = await startEslServer(core, { host: deps.host, port: deps.port, password: deps.password });
      heartbeat = setInterval(() => core.heartbeat(), deps.heartbeatMs ?? 20_000);
      heartbeat.unref();
      return server.address;
    },
    async stop() {
      if (heartbeat !== undefined) clearInterval(heartbeat);
      await core.shutdown();
      server?.sessionsShutdown();
      await server?.close();
      await truthSink.close();
    },
  };
}

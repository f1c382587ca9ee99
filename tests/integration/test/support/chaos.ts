import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createRedis } from '@outbound/redis';
import { availablePort } from '@outbound/testkit';
import { runCampaign, startStack, type Stack } from './dialer-stack.js';

// The chaos run: a predictive campaign against switch-sim with agent-sim, two dialer replicas,
// and the platform's own NATS and Redis (so restarting and flushing them touches nothing else).
// While it runs, faults strike in turn; each is timed until the campaign dials again. Afterwards
// the driver's ground-truth check says whether anything was lost, doubled or refused.

export const FAULTS = [
  'dialer-owner-mid-dial',
  'dialer-owner',
  'media',
  'compliance',
  'lead-ingest',
  'nats',
  'redis',
  'esl',
] as const;
export type FaultName = (typeof FAULTS)[number];

export interface ChaosOptions {
  readonly faults: readonly FaultName[];
  readonly leads: number;
  /** Quiet time after a recovery before the next fault. */
  readonly gapMs: number;
  /** The longest a fault may take to recover before it counts as not recovered. */
  readonly recoverWithinMs: number;
  readonly agents: number;
  readonly log: (line: string) => void;
}

export interface FaultRecord {
  readonly fault: FaultName;
  /** From the fault until the campaign dialed again; null when it did not within recoverWithinMs. */
  readonly recoveredAfterMs: number | null;
}

export interface ChaosReport {
  readonly faults: readonly FaultRecord[];
  readonly summary: Record<string, unknown>;
  /** The figures the issue names. */
  readonly figures: {
    faults: number;
    recoveredWithinSec: number | null;
    leadsLost: number;
    attemptsMissing: number;
    /**
     * Calls whose attempt differs from the far end in a detail (a hang-up cause media could not see
     * while its ESL connection was cut is reported as MEDIA_RECONCILED_GONE).
     */
    callsWithDetailsLost: number;
    dialedTwiceAtOnce: number;
    refusedDialsPlaced: number;
    abandonRate: number;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A server process of the run's own, restartable on the same port (and, for NATS, the same store). */
class Server {
  private child: ChildProcess | undefined;

  constructor(
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly port: number,
  ) {}

  async start(): Promise<void> {
    this.child = spawn(this.command, this.args, { stdio: 'ignore' });
    for (let waited = 0; waited < 10_000; waited += 100) {
      if (this.child.exitCode !== null) throw new Error(`${this.command} exited at start`);
      const probe = spawnSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${String(this.port)}`]);
      if (probe.status === 0) return;
      await sleep(100);
    }
    throw new Error(`${this.command} is not listening on ${String(this.port)}`);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await once(child, 'exit');
  }
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const dir = mkdtempSync(join(tmpdir(), 'chaos-'));
  const natsPort = await availablePort();
  const redisPort = await availablePort();
  const nats = new Server(
    'nats-server',
    ['-js', '-a', '127.0.0.1', '-p', String(natsPort), '-sd', join(dir, 'nats')],
    natsPort,
  );
  const redisServer = new Server(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    redisPort,
  );
  let stack: Stack | undefined;
  const redisUrl = `redis://127.0.0.1:${String(redisPort)}`;
  try {
    await nats.start();
    await redisServer.start();
    stack = await startStack({ servers: { natsUrl: `nats://127.0.0.1:${String(natsPort)}`, redisUrl } });
    const running = stack;
    const campaignId = `chaos-${Date.now().toString(36)}`;
    // Two replicas; the owner of the campaign is whichever logged taking it last.
    const addresses = [running.dialerAddress, `127.0.0.1:${String(await availablePort())}`];
    const dialers: ChildProcess[] = [];
    let owner = 0;
    /** Times a replica adopted the campaign (its open attempts with it). */
    let adoptions = 0;
    // A replica that exits when no fault killed it fails the run (with what it said last), and so
    // does a fault that could not be struck: at once, with their own errors, not a minute later
    // with the driver's about a replica it cannot reach.
    const runFailed = new AbortController();
    const killing = new Set<ChildProcess>();
    const follow = (index: number, child: ChildProcess) => {
      const said: string[] = [];
      createInterface({ input: child.stdout! }).on('line', (line) => {
        said.push(line.slice(0, 1_000));
        if (said.length > 20) said.shift();
        if (!line.startsWith('{')) return;
        const entry = JSON.parse(line) as { msg?: string; campaignId?: string };
        if (entry.msg === 'campaign taken' && entry.campaignId === campaignId) owner = index;
        if (entry.msg === 'campaign adopted' && entry.campaignId === campaignId) adoptions += 1;
      });
      child.once('exit', (code, signal) => {
        if (killing.has(child) || runFailed.signal.aborted) return;
        runFailed.abort(
          new Error(
            `dialer replica ${String(index)} exited on its own (${String(code ?? signal)}); its last output:\n${said.join('\n')}`,
          ),
        );
      });
    };
    const startDialer = async (index: number) => {
      // Calls here last seconds: one silent for a minute lost its hang-up (media or the bus lost it).
      const child = await running.startDialer({ GRPC_ADDRESS: addresses[index]!, STALE_CALL_MS: '60s' });
      dialers[index] = child;
      follow(index, child);
    };
    await startDialer(0);
    await startDialer(1);
    const team = running.startAgents(campaignId, options.agents);
    team.catch(() => undefined);

    let dialed = 0;
    const records: FaultRecord[] = [];
    const killOwner = async () => {
      const index = owner;
      killing.add(dialers[index]!);
      dialers[index]!.kill('SIGKILL');
      await once(dialers[index]!, 'exit');
      return index;
    };
    /** Strikes; a fault whose recovery starts later than its strike says from when, and from how many dials. */
    const strike = async (fault: FaultName): Promise<{ at: number; dialed: number } | undefined> => {
      switch (fault) {
        case 'dialer-owner':
          await startDialer(await killOwner());
          return;
        case 'dialer-owner-mid-dial': {
          // Media frozen, the owner's next originates wait on it; the owner is killed with them
          // unanswered, and media thaws only once the next owner has adopted the campaign. That
          // owner cannot know whether those attempts went out (media may place them as it thaws).
          // A frozen media hides the calls' ends, so the owner dials only when an agent comes
          // back from wrap-up or a pause: frozen for a while, thawed to let the calls move, again.
          const media = running.pids().media;
          const adopted = adoptions;
          process.kill(media, 'SIGSTOP');
          try {
            for (let tries = 0; ; tries++) {
              const before = dialed;
              for (let waited = 0; dialed <= before && waited < 8_000; waited += 50) await sleep(50);
              if (dialed > before) break;
              if (tries === 4)
                throw new Error('dialer-owner-mid-dial: the owner dialed nothing while media was frozen');
              process.kill(media, 'SIGCONT');
              await sleep(3_000);
              process.kill(media, 'SIGSTOP');
            }
            const at = Date.now();
            await startDialer(await killOwner());
            for (let waited = 0; adoptions <= adopted && waited < 15_000; waited += 100) await sleep(100);
            await sleep(1_000);
            return { at, dialed };
          } finally {
            process.kill(media, 'SIGCONT');
          }
        }
        case 'media':
        case 'compliance':
        case 'lead-ingest':
          await running.restart(fault);
          return;
        case 'nats':
          await nats.stop();
          await nats.start();
          return;
        case 'redis': {
          const client = createRedis({ url: redisUrl, name: 'chaos' });
          try {
            await client.flushall();
          } finally {
            client.disconnect();
          }
          return;
        }
        case 'esl': {
          // Kills media's TCP connections to switch-sim's ESL port (media reconnects).
          const cut = spawnSync('ss', ['-K', 'dst', '127.0.0.1', 'dport', '=', String(running.eslPort)]);
          if (cut.status !== 0) throw new Error(`ss -K failed: ${cut.stderr.toString()}`);
          return;
        }
      }
    };
    const schedule = (async () => {
      // The owner killed mid-dial strikes first best, as the campaign's first dials go out (it
      // waits for a dial itself); the others strike into a campaign under way.
      if (options.faults[0] !== 'dialer-owner-mid-dial') while (dialed < 3) await sleep(100);
      for (const fault of options.faults) {
        options.log(`fault: ${fault} (dialed ${String(dialed)})`);
        const struck = { at: Date.now(), dialed };
        const { at, dialed: before } = (await strike(fault)) ?? struck;
        while (dialed <= before && Date.now() - at < options.recoverWithinMs) await sleep(100);
        const recoveredAfterMs = dialed > before ? Date.now() - at : null;
        records.push({ fault, recoveredAfterMs });
        options.log(
          `fault: ${fault} ${recoveredAfterMs === null ? 'NOT recovered' : `recovered after ${(recoveredAfterMs / 1000).toFixed(1)} s`}`,
        );
        await sleep(options.gapMs);
      }
    })().catch((error: unknown) => {
      runFailed.abort(error);
    });
    const { summary } = await runCampaign(
      running,
      {
        // Both replicas, as a Service in front of them would be: the driver follows the campaign
        // through whichever answers (grpc-js tries the addresses in turn).
        DIALER_ADDRESS: `ipv4:${addresses.join(',')}`,
        CAMPAIGN_ID: campaignId,
        CAMPAIGN_MODE: 'predictive',
        CAMPAIGN_LEADS: String(options.leads),
        CAMPAIGN_SEED: '909',
        CAMPAIGN_MAX_RUN_MS: String(Math.max(120_000, options.faults.length * (options.gapMs + 20_000) + 60_000)),
      },
      (line) => {
        const match = /dialed=(\d+)/.exec(line);
        if (match) dialed = Math.max(dialed, Number(match[1]));
        if (!line.startsWith('{')) options.log(line);
      },
      runFailed.signal,
    );
    await schedule;
    await team.catch(() => undefined);
    const recovered = records.map((r) => r.recoveredAfterMs);
    return {
      faults: records,
      summary,
      figures: {
        faults: records.length,
        recoveredWithinSec: recovered.some((r) => r === null)
          ? null
          : Math.round(Math.max(0, ...(recovered as number[])) / 100) / 10,
        leadsLost: Number(summary['leadsLost']),
        attemptsMissing: Number(summary['callsWithoutAttempt']),
        callsWithDetailsLost: Number(summary['groundTruthCalls']) - Number(summary['attemptsMatchingGroundTruth']),
        dialedTwiceAtOnce: Number(summary['leadsDialedTwiceAtOnce']),
        refusedDialsPlaced: Number(summary['deniedDialed']),
        abandonRate: Number(summary['abandonRate']),
      },
    };
  } finally {
    stack?.stopAll();
    await nats.stop('SIGKILL');
    await redisServer.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

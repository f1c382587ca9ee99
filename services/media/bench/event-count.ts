import { readFileSync } from 'node:fs';
import type { Bus } from '@outbound/bus';
import type { GroundTruthRecord } from '@outbound/switch-sim';

export const CALL_EVENT_KINDS = ['originated', 'ringing', 'answered', 'amd', 'bridged', 'hangup'] as const;
export type KindCounts = Record<(typeof CALL_EVENT_KINDS)[number], number>;

function zeroCounts(): KindCounts {
  return { originated: 0, ringing: 0, answered: 0, amd: 0, bridged: 0, hangup: 0 };
}

/**
 * The `calls.*` events media owes for what really happened to each call (switch-sim's ground
 * truth). The bench scenario has no AMD, no bridge and no early media, so a call that rang
 * owes originated, ringing, answered when it was answered, and hangup.
 */
export function expectedFromGroundTruth(path: string): { calls: number; expected: KindCounts } {
  const expected = zeroCounts();
  let calls = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const record = JSON.parse(line) as GroundTruthRecord;
    calls++;
    expected.originated++;
    if (record.outcome !== 'invalid' && record.outcome !== 'network_failure') expected.ringing++;
    if (record.answeredAt !== null) expected.answered++;
    expected.hangup++;
  }
  return { calls, expected };
}

/** Messages actually stored on JetStream for the campaign, per kind (`calls.<kind>.<campaign>`). */
export async function countOnJetStream(bus: Bus, campaignId: string): Promise<KindCounts> {
  const jsm = await bus.connection.jetstreamManager();
  const info = await jsm.streams.info('CALLS', { subjects_filter: `calls.*.${campaignId}` });
  const counts = zeroCounts();
  for (const [subject, n] of Object.entries(info.state.subjects ?? {})) {
    const kind = subject.split('.')[1] as keyof KindCounts;
    if (kind in counts) counts[kind] += n;
  }
  return counts;
}

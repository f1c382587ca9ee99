import type { DialTarget } from '../domain/dial-string.js';
import type { CallLeg } from './call-leg.js';
import { markHangup, tearDown } from './hangup.js';
import type { OriginateReport } from './outbound-call.js';

/**
 * How switch_ivr_originate works a dial list: failover groups (`a|b`) one after the other, the
 * next only when every leg of the current one failed; within a group (`a,b`) all legs ring at
 * once and the first to answer wins, the others are hung up LOSE_RACE. The result is the
 * winner's `+OK <uuid>`, or the last failure's cause.
 */
export interface DialListPlacement {
  /**
   * Places one leg; `report` gets its result (`+OK <uuid>` / `-ERR CAUSE`), `connected` runs once
   * it answers. Returns the leg, or undefined when it failed before a channel existed.
   */
  place(target: DialTarget, report: OriginateReport, connected: (leg: CallLeg) => Promise<void>): CallLeg | undefined;
  /** What the winner does once connected (the originate app, or staying bridged). */
  readonly connected: (leg: CallLeg) => Promise<void>;
}

export interface DialListRun {
  /** Cancels every leg still ringing (the originator hung up). */
  cancel(cause: string): void;
  /** The leg that answered, once one has. */
  winner(): CallLeg | undefined;
}

/** A leg that answered after the race was won: hung up at once (LOSE_RACE), as FreeSWITCH does. */
function loseRace(leg: CallLeg): Promise<void> {
  leg.requestHangup({ cause: 'LOSE_RACE', by: 'local' });
  markHangup(leg, 'LOSE_RACE');
  tearDown(leg, [['sip_hangup_disposition', 'send_bye']]);
  return Promise.resolve();
}

export function dialList(
  groups: ReadonlyArray<ReadonlyArray<DialTarget>>,
  how: DialListPlacement,
  report: OriginateReport,
): DialListRun {
  let won: CallLeg | undefined;
  let cancelled: string | undefined;
  let lastCause = 'NO_ROUTE_DESTINATION';
  const live = new Set<CallLeg>();
  const runGroup = (index: number): void => {
    const group = groups[index];
    if (group === undefined || cancelled !== undefined) {
      report(`-ERR ${cancelled ?? lastCause}\n`);
      return;
    }
    let pending = group.length;
    const placed: CallLeg[] = [];
    for (const target of group) {
      // Filled once placed: a leg can report a failure before place() returns, never a success.
      const self: { leg?: CallLeg } = {};
      const legReport: OriginateReport = (text) => {
        const leg = self.leg;
        if (text.startsWith('+OK')) {
          if (won === undefined && cancelled === undefined && leg !== undefined) {
            won = leg;
            report(text);
            for (const other of placed) if (other !== leg) other.requestHangup({ cause: 'LOSE_RACE', by: 'local' });
          }
          return;
        }
        lastCause = text.replace(/^-ERR\s*/, '').trim() || lastCause;
        pending -= 1;
        if (pending === 0 && won === undefined) runGroup(index + 1);
      };
      const leg = how.place(target, legReport, (connected) =>
        connected === won ? how.connected(connected) : loseRace(connected),
      );
      if (leg !== undefined) {
        self.leg = leg;
        const current = leg;
        placed.push(current);
        live.add(current);
        void current.finished.then(() => live.delete(current));
      }
    }
  };
  runGroup(0);
  return {
    cancel(cause) {
      cancelled = cause;
      for (const leg of live) if (leg !== won) leg.requestHangup({ cause, by: 'local' });
    },
    winner: () => won,
  };
}

// How facts change what the service knows of a lead in a campaign (pure).

import type { LeadHistory } from './variables.js';

export interface AttemptFacts {
  attemptNumber: number;
  outcome: string;
  answered: boolean;
  closedReason?: string;
  atMs: number;
}

const REFUSAL = /refus|opt.?out|do.?not.?call|拒/i;

export function recordAttempt(history: LeadHistory, attempt: AttemptFacts): LeadHistory {
  const refused = attempt.closedReason !== undefined && REFUSAL.test(attempt.closedReason);
  return {
    ...history,
    attempts: Math.max(history.attempts, attempt.attemptNumber),
    lastOutcome: attempt.outcome,
    lastDisposition: attempt.closedReason ?? '',
    lastAnswered: attempt.answered,
    lastAttemptAtMs: attempt.atMs,
    ...(refused ? { refusedAtMs: attempt.atMs } : {}),
  };
}

export function recordOptOut(history: LeadHistory, atMs: number): LeadHistory {
  return { ...history, optedOut: true, refusedAtMs: atMs };
}

/** Tasks that went out (not suppressed) for the lead on its local date; `script` of the last call task. */
export function recordTasks(
  history: LeadHistory,
  localDate: string,
  sent: number,
  lastTaskAtMs: number,
  script?: string,
): LeadHistory {
  if (sent === 0) return history;
  const today = history.tasksDay === localDate ? history.tasksToday : 0;
  return {
    ...history,
    tasksDay: localDate,
    tasksToday: today + sent,
    lastTaskAtMs: Math.max(history.lastTaskAtMs ?? 0, lastTaskAtMs),
    ...(script ? { lastScript: script } : {}),
  };
}

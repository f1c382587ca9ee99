// How quickly each FreeSWITCH node answers our commands, and whether it is too slow to take new
// calls. A node that takes seconds to answer (a starved host, a switch buried in events) still
// rings the calls it is given, and the customers who answer then wait for a bridge the node is too
// slow to make: abandoned calls, which the law counts. Refusing new calls on such a node (the
// dialer then waits, or dials through another node) turns an overload into fewer calls instead of
// more abandons.

export interface ResponsivenessOptions {
  /** A command answered this slowly, or one still waiting this long, marks its node slow. */
  readonly slowMs: number;
  /** A node marked slow takes no new calls until this long has passed with nothing slow. */
  readonly holdMs: number;
}

export const DEFAULT_RESPONSIVENESS: ResponsivenessOptions = { slowMs: 1_000, holdMs: 3_000 };

interface NodeState {
  /** Start times of commands sent and not answered yet, by token, oldest first. */
  readonly waiting: Map<number, number>;
  /** When the last slow command was answered (or gave up). */
  lastSlowAtMs: number;
}

export class NodeResponsiveness {
  private readonly nodes = new Map<string, NodeState>();
  private nextToken = 1;

  constructor(private readonly options: ResponsivenessOptions = DEFAULT_RESPONSIVENESS) {}

  /** A command went to the node; `answered` with the token when its reply (or failure) comes. */
  sent(node: string, nowMs: number): number {
    const token = this.nextToken++;
    this.state(node).waiting.set(token, nowMs);
    return token;
  }

  /** How long the command took when that was slow; undefined when it was not (or the token is unknown). */
  answered(node: string, token: number, nowMs: number): number | undefined {
    const state = this.state(node);
    const sentAt = state.waiting.get(token);
    if (sentAt === undefined) return undefined;
    state.waiting.delete(token);
    const tookMs = nowMs - sentAt;
    if (tookMs < this.options.slowMs) return undefined;
    state.lastSlowAtMs = Math.max(state.lastSlowAtMs, nowMs);
    return tookMs;
  }

  /** Too slow for new calls: a command waiting `slowMs` already, or one that was slow within `holdMs`. */
  slow(node: string, nowMs: number): boolean {
    const state = this.nodes.get(node);
    if (state === undefined) return false;
    if (nowMs - state.lastSlowAtMs < this.options.holdMs) return true;
    // The oldest command still waiting comes first (a Map keeps insertion order).
    const oldest = state.waiting.values().next();
    return !oldest.done && nowMs - oldest.value >= this.options.slowMs;
  }

  private state(node: string): NodeState {
    let state = this.nodes.get(node);
    if (state === undefined) {
      state = { waiting: new Map(), lastSlowAtMs: Number.NEGATIVE_INFINITY };
      this.nodes.set(node, state);
    }
    return state;
  }
}

/**
 * A typed listener registry. Unlike EventEmitter, an `error` with no listener
 * does not throw, and a throwing listener cannot break the socket loop.
 */
export class Listeners<Events> {
  private readonly byType = new Map<keyof Events, Set<(payload: never) => void>>();

  constructor(private readonly onListenerFailure: (cause: unknown) => void) {}

  on<K extends keyof Events>(type: K, listener: (payload: Events[K]) => void): () => void {
    let set = this.byType.get(type);
    if (set === undefined) {
      set = new Set();
      this.byType.set(type, set);
    }
    const stored = listener as (payload: never) => void;
    set.add(stored);
    return () => {
      set.delete(stored);
    };
  }

  emit<K extends keyof Events>(type: K, payload: Events[K]): void {
    const set = this.byType.get(type);
    if (set === undefined) return;
    for (const listener of set) {
      try {
        (listener as (value: Events[K]) => void)(payload);
      } catch (cause) {
        this.onListenerFailure(cause);
      }
    }
  }
}

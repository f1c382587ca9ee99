export interface NodeLoad {
  readonly name: string;
  readonly healthy: boolean;
  readonly activeCalls: number;
}

/**
 * Pick the node for a new call: the healthy node with the fewest active calls; ties go to the
 * node after `lastPicked` in list order so equal nodes share the load. Undefined: none healthy.
 */
export function selectNode(nodes: readonly NodeLoad[], lastPicked?: string): string | undefined {
  const healthy = nodes.filter((n) => n.healthy);
  if (healthy.length === 0) return undefined;
  const least = Math.min(...healthy.map((n) => n.activeCalls));
  const candidates = healthy.filter((n) => n.activeCalls === least);
  const lastIndex = lastPicked === undefined ? -1 : nodes.findIndex((n) => n.name === lastPicked);
  const after = candidates.find((n) => nodes.indexOf(n) > lastIndex);
  return (after ?? candidates[0])?.name;
}

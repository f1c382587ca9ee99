import type { BlindIndex } from '../domain/blind.js';
import type { DecisionRow, EvidenceStore } from '../adapters/sql/evidence.js';

/** A number's latest dial decisions with their reasons, from the stored evidence. */
export class ListDecisions {
  constructor(private readonly deps: { readonly blind: BlindIndex; readonly evidence: EvidenceStore }) {}

  list(phone: string, limit: number): Promise<DecisionRow[]> {
    return this.deps.evidence.lastDecisions(this.deps.blind.hex(phone), limit);
  }
}

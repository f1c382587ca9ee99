import { events } from '@outbound/bus';
import type { Logger } from '@outbound/telemetry';
import type { PackCatalogue } from '../domain/packs/index.js';
import { SensitiveWordScanner, type WordHit } from '../domain/scanner.js';
import type { EventPublisher } from './ports.js';

export interface TranscriptScan {
  readonly industry: string;
  readonly text: string;
  /** The call it came from: hits are then published as a `compliance.violation`. */
  readonly attempt?: { readonly campaignId: string; readonly leadId: string; readonly attemptId: string };
}

/**
 * Scan a transcript for the sensitive words of the packs in effect now; hits in a call become a
 * `compliance.violation` event (the words and ids, never the text).
 */
export class ScanTranscript {
  constructor(
    private readonly deps: {
      readonly catalogue: PackCatalogue;
      readonly events: EventPublisher;
      readonly logger: Logger;
      readonly now: () => number;
    },
  ) {}

  async scan(request: TranscriptScan): Promise<WordHit[]> {
    const { catalogue } = this.deps;
    // The lists of the pack versions in effect now (they are short: building is cheap).
    const at = this.deps.now();
    const packs = catalogue
      .names()
      .map((name) => catalogue.at(name, at))
      .filter((p) => p !== undefined);
    const hits = new SensitiveWordScanner(packs).scan(request.industry, request.text);
    const { attempt } = request;
    if (attempt && hits.length > 0) {
      await this.deps.events.publish(events.complianceViolation, {
        ...attempt,
        kind: 'sensitive_words',
        words: [...new Set(hits.map((h) => h.word))].slice(0, 100),
        lists: [...new Set(hits.map((h) => h.list))].slice(0, 20),
      });
      this.deps.logger.info(
        { campaignId: attempt.campaignId, attemptId: attempt.attemptId, hits: hits.length },
        'sensitive words in transcript',
      );
    }
    return hits;
  }
}

import { SECONDS_BUCKETS, type Meter } from '@outbound/telemetry';
import type { IngestObserver } from '../use-cases/ingest-recording.js';
import type { TranscriptionObserver } from '../use-cases/transcribe-recording.js';

/** The service's own figures: recordings stored, transcriptions by outcome and time, purges. Ids never label. */
export class RecordingMetrics implements IngestObserver, TranscriptionObserver {
  private readonly storedCount;
  private readonly storedBytes;
  private readonly transcriptions;
  private readonly transcriptionSeconds;
  private readonly purgedCount;

  constructor(meter: Meter) {
    this.storedCount = meter.createCounter('recording.stored', { description: 'Recordings sealed and stored' });
    this.storedBytes = meter.createCounter('recording.stored.bytes', { unit: 'By', description: 'Plain bytes stored' });
    this.transcriptions = meter.createCounter('recording.transcriptions', {
      description: 'Transcription jobs by outcome (done, retry, failed)',
    });
    this.transcriptionSeconds = meter.createHistogram('recording.transcription.duration', {
      unit: 's',
      description: 'Time per transcription job',
      advice: { explicitBucketBoundaries: [...SECONDS_BUCKETS, 30, 60, 120, 300] },
    });
    this.purgedCount = meter.createCounter('recording.purged', { description: 'Recordings purged at retention' });
  }

  stored(sizeBytes: number): void {
    this.storedCount.add(1);
    this.storedBytes.add(sizeBytes);
  }

  finished(outcome: 'done' | 'failed' | 'retry', seconds: number): void {
    this.transcriptions.add(1, { outcome });
    this.transcriptionSeconds.record(seconds, { outcome });
  }

  purged(count: number): void {
    if (count > 0) this.purgedCount.add(count);
  }
}

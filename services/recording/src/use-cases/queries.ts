import { NotFoundError } from '@outbound/errors';
import type { RecordingPage, RecordingRow, Recordings, SearchMatch, TranscriptRow, Transcripts } from './ports.js';

/** Read side: recordings, transcripts, search. */
export class RecordingQueries {
  constructor(private readonly deps: { readonly recordings: Recordings; readonly transcripts: Transcripts }) {}

  async recording(recordingId: string): Promise<RecordingRow> {
    const row = await this.deps.recordings.get(recordingId);
    if (row === undefined) throw new NotFoundError('recording', recordingId);
    return row;
  }

  list(
    filter: { campaignId: string; attemptId?: string; callId?: string },
    limit: number,
    cursor?: string,
  ): Promise<RecordingPage> {
    return this.deps.recordings.list(filter, limit, cursor);
  }

  async transcript(recordingId: string): Promise<TranscriptRow> {
    const row = await this.deps.transcripts.get(recordingId);
    if (row === undefined) throw new NotFoundError('transcript', recordingId);
    return row;
  }

  search(query: string, filter: { campaignId?: string; tag?: string }, limit: number): Promise<SearchMatch[]> {
    return this.deps.transcripts.search(query, filter, limit);
  }
}

import type { Pool } from '@outbound/store';
import { withTransaction } from '@outbound/store';
import type { Segment, SpottedKeyword } from '../../domain/analysis.js';
import type { SearchMatch, TranscriptRow, Transcripts } from '../../use-cases/ports.js';
import { toRecording } from './recordings.js';

interface Row {
  recording_id: string;
  campaign_id: string;
  engine: string;
  segments: Segment[];
  body: string;
  spotted: SpottedKeyword[];
  keywords: SpottedKeyword[];
  tags: string[];
  sensitive_hits: number;
  analysed_at: Date | null;
  created_at: Date;
}

const HAN = /\p{Script=Han}/u;

export class SqlTranscripts implements Transcripts {
  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {}

  async save(
    row: Omit<TranscriptRow, 'keywords' | 'tags' | 'sensitiveHits' | 'createdAt' | 'analysedAt'>,
  ): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.schema}.transcripts (recording_id, campaign_id, engine, segments, body, spotted)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (recording_id) DO NOTHING`,
      [
        row.recordingId,
        row.campaignId,
        row.engine,
        JSON.stringify(row.segments),
        row.body,
        JSON.stringify(row.spotted),
      ],
    );
  }

  async get(recordingId: string): Promise<TranscriptRow | undefined> {
    const { rows } = await this.pool.query<Row>(`SELECT * FROM ${this.schema}.transcripts WHERE recording_id = $1`, [
      recordingId,
    ]);
    const r = rows[0];
    if (r === undefined) return undefined;
    return {
      recordingId: r.recording_id,
      campaignId: r.campaign_id,
      engine: r.engine,
      segments: r.segments,
      body: r.body,
      spotted: r.spotted,
      keywords: r.keywords,
      tags: r.tags,
      sensitiveHits: r.sensitive_hits,
      createdAt: r.created_at,
      ...(r.analysed_at === null ? {} : { analysedAt: r.analysed_at }),
    };
  }

  async markAnalysed(
    recordingId: string,
    keywords: SpottedKeyword[],
    tags: string[],
    sensitiveHits: number,
  ): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      await client.query(
        `UPDATE ${this.schema}.transcripts SET keywords = $2, tags = $3, sensitive_hits = $4, analysed_at = now()
         WHERE recording_id = $1`,
        [recordingId, JSON.stringify(keywords), tags, sensitiveHits],
      );
      await client.query(
        `UPDATE ${this.schema}.recordings SET transcription = 'done', transcription_error = NULL WHERE recording_id = $1`,
        [recordingId],
      );
    });
  }

  /**
   * Full-text search with the 'simple' configuration (websearch syntax). PostgreSQL's parser keeps a
   * run of Han characters as one token, so a query holding Han text is matched as a substring
   * (ILIKE, a scan of the campaign's transcripts) instead; segments returned are those that match.
   */
  async search(query: string, filter: { campaignId?: string; tag?: string }, limit: number): Promise<SearchMatch[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    const han = HAN.test(query);
    let rank = '1.0';
    if (han) {
      where.push(`t.body ILIKE $${params.push(`%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`);
    } else {
      const q = `websearch_to_tsquery('simple', $${params.push(query)})`;
      where.push(`t.search @@ ${q}`);
      rank = `ts_rank(t.search, ${q})`;
    }
    if (filter.campaignId) where.push(`t.campaign_id = $${params.push(filter.campaignId)}`);
    if (filter.tag) where.push(`$${params.push(filter.tag)} = ANY (t.tags)`);
    const { rows } = await this.pool.query<Row & { rank: number } & Record<string, unknown>>(
      `SELECT t.segments, t.tags, ${rank} AS rank, r.*
       FROM ${this.schema}.transcripts t JOIN ${this.schema}.recordings r USING (recording_id)
       WHERE ${where.join(' AND ')} ORDER BY rank DESC, r.started_at DESC LIMIT $${params.push(limit)}`,
      params,
    );
    const words = han
      ? [query.normalize('NFKC').toLowerCase()]
      : query
          .toLowerCase()
          .replace(/["()]/g, ' ')
          .split(/\s+/)
          .filter((w) => w !== '' && !w.startsWith('-') && w !== 'or');
    return rows.map((row) => ({
      recording: toRecording(row as unknown as Parameters<typeof toRecording>[0]),
      tags: row.tags,
      rank: Number(row.rank),
      segments: row.segments.filter((s) => words.some((w) => s.text.toLowerCase().includes(w))),
    }));
  }
}

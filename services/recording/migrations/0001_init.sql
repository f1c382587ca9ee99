-- Per-campaign recording policy: when to record, how long to keep, what to listen for.
CREATE TABLE policies (
  campaign_id text PRIMARY KEY,
  mode text NOT NULL CHECK (mode IN ('off', 'on_answer', 'on_bridge')),
  retention_days integer NOT NULL CHECK (retention_days BETWEEN 1 AND 36500),
  industry text NOT NULL,
  keywords jsonb NOT NULL,
  version integer NOT NULL,
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per recording, from the moment media was asked to record; a purged recording stays as a
-- tombstone (ids and dates only) so the audit log's targets still resolve.
CREATE TABLE recordings (
  recording_id text PRIMARY KEY,
  call_id text NOT NULL,
  campaign_id text NOT NULL,
  lead_id text NOT NULL,
  attempt_id text NOT NULL,
  agent_id text,
  state text NOT NULL CHECK (state IN ('recording', 'stored', 'purged')),
  started_at timestamptz NOT NULL,
  retention_days integer NOT NULL,
  industry text NOT NULL,
  retain_until timestamptz NOT NULL,
  stored_at timestamptz,
  purged_at timestamptz,
  storage_backend text,
  storage_key text,
  key_id text,
  -- SHA-256 of the plain WAV (checked after decryption) and of the sealed bytes (checked on read).
  sha256 text,
  sealed_sha256 text,
  size_bytes bigint,
  duration_ms integer,
  channels smallint,
  sample_rate integer,
  transcription text NOT NULL DEFAULT 'pending' CHECK (transcription IN ('pending', 'done', 'failed')),
  transcription_error text,
  -- A purge run's lease, so two replicas never purge the same recording at once.
  purge_claimed_until timestamptz
);
CREATE INDEX recordings_by_campaign ON recordings (campaign_id, started_at DESC, recording_id DESC);
CREATE INDEX recordings_by_attempt ON recordings (attempt_id);
CREATE INDEX recordings_by_call ON recordings (call_id);
CREATE INDEX recordings_due ON recordings (retain_until) WHERE state <> 'purged';

-- Transcripts: segments with word timings, the text for search ('simple' configuration: no
-- stemming, so Chinese and English words are kept as they are), keyword hits and intent tags.
CREATE TABLE transcripts (
  recording_id text PRIMARY KEY REFERENCES recordings (recording_id) ON DELETE CASCADE,
  campaign_id text NOT NULL,
  engine text NOT NULL,
  segments jsonb NOT NULL,
  body text NOT NULL,
  search tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED,
  -- What keyword mode heard, kept so a retried analysis does not run the engine again.
  spotted jsonb NOT NULL DEFAULT '[]',
  keywords jsonb NOT NULL DEFAULT '[]',
  tags text[] NOT NULL DEFAULT '{}',
  sensitive_hits integer NOT NULL DEFAULT 0,
  analysed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transcripts_search ON transcripts USING gin (search);
CREATE INDEX transcripts_tags ON transcripts USING gin (tags);
CREATE INDEX transcripts_by_campaign ON transcripts (campaign_id);

-- Leads: personal data only in `pii` (AES-256-GCM, key id inside); lookups by blind index.
CREATE TABLE leads (
  lead_id uuid PRIMARY KEY,
  list_id text NOT NULL,
  external_id text,
  -- HMAC of the E.164 (or of E.164 + external id when an import dedups by both).
  dedup_key bytea NOT NULL,
  -- HMAC of the E.164 alone: finds every lead of one number (dead numbers, DNC).
  phone_index bytea NOT NULL,
  pii bytea NOT NULL,
  number_type smallint NOT NULL,
  country text NOT NULL,
  region text NOT NULL,
  time_zone text NOT NULL,
  intent text,
  order_value numeric,
  tier text NOT NULL,
  tags text[] NOT NULL DEFAULT '{}',
  custom jsonb NOT NULL DEFAULT '{}',
  status smallint NOT NULL,
  import_job_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX leads_list_dedup ON leads (list_id, dedup_key);
CREATE UNIQUE INDEX leads_list_external ON leads (list_id, external_id) WHERE external_id IS NOT NULL;
-- Lead ids are time-ordered, so this serves cursor pages of a list and the import's event batches.
CREATE UNIQUE INDEX leads_list_page ON leads (list_id, lead_id);
CREATE INDEX leads_phone_index ON leads (phone_index);

CREATE TABLE import_jobs (
  job_id text PRIMARY KEY,
  list_id text NOT NULL,
  campaign_id text NOT NULL DEFAULT '',
  state text NOT NULL CHECK (state IN ('running', 'succeeded', 'failed', 'cancelled')),
  rows_read bigint NOT NULL DEFAULT 0,
  rows_accepted bigint NOT NULL DEFAULT 0,
  rows_rejected bigint NOT NULL DEFAULT 0,
  rows_duplicate bigint NOT NULL DEFAULT 0,
  failure_reason text NOT NULL DEFAULT '',
  cancel_requested boolean NOT NULL DEFAULT false,
  events_published boolean NOT NULL DEFAULT false,
  rejects_truncated boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Refreshed with progress; a running job whose heartbeat stopped died with its process.
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);

CREATE TABLE import_rejects (
  job_id text NOT NULL REFERENCES import_jobs (job_id) ON DELETE CASCADE,
  line integer NOT NULL,
  column_name text NOT NULL,
  masked_value text NOT NULL,
  reason text NOT NULL
);
CREATE INDEX import_rejects_job ON import_rejects (job_id, line);

-- Events of an upsert call, written in the call's own transaction and deleted once published:
-- leads.ingested / leads.updated go out after commit, and again after a restart, so a stored
-- upsert never loses its events. The batch id names the events (JetStream drops repeats).
CREATE TABLE upsert_events (
  batch_id text PRIMARY KEY,
  list_id text NOT NULL,
  created uuid[] NOT NULL,
  updated uuid[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

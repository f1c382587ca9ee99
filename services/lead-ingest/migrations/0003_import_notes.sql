-- Rows kept with a note share the report with refused ones (`kept`); the job counts them, the
-- accepted rows whose number has an extension, and keeps warnings about the whole file.
ALTER TABLE import_jobs
  ADD COLUMN rows_noted bigint NOT NULL DEFAULT 0,
  ADD COLUMN rows_with_extension bigint NOT NULL DEFAULT 0,
  ADD COLUMN warnings text[] NOT NULL DEFAULT '{}';
ALTER TABLE import_rejects ADD COLUMN kept boolean NOT NULL DEFAULT false;

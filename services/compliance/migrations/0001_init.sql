-- Compliance owns these tables. Numbers are stored only as a blind index (phone_key, HMAC) and a
-- masked form for display; times are UTC instants.

CREATE TABLE campaign_policies (
  campaign_id text PRIMARY KEY,
  policy jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every decision, allowed or denied, with the packs and inputs it used.
CREATE TABLE decisions (
  check_id text PRIMARY KEY,
  decided_at timestamptz NOT NULL,
  dial_at timestamptz NOT NULL,
  campaign_id text NOT NULL,
  lead_id text NOT NULL,
  phone_key text NOT NULL,
  masked_phone text NOT NULL,
  caller_id text NOT NULL,
  allowed boolean NOT NULL,
  denials jsonb NOT NULL,
  rule_packs text[] NOT NULL,
  time_zones text[] NOT NULL,
  inputs jsonb NOT NULL
);
CREATE INDEX decisions_by_number ON decisions (phone_key, decided_at DESC);
CREATE INDEX decisions_by_campaign ON decisions (campaign_id, decided_at DESC);

-- Internal list, refusals and opt-outs (the imported registries are in dnc_registry).
CREATE TABLE dnc_entries (
  id bigserial PRIMARY KEY,
  phone_key text,
  lead_id text,
  kind text NOT NULL CHECK (kind IN ('internal', 'refusal', 'opt_out')),
  campaign_id text,
  source text NOT NULL,
  actor text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (phone_key IS NOT NULL OR lead_id IS NOT NULL)
);
CREATE INDEX dnc_entries_by_number ON dnc_entries (phone_key);

-- Imported registries as 64-bit keys (the prefix of the blind index), millions of rows.
CREATE TABLE dnc_registry (
  registry text NOT NULL,
  key bigint NOT NULL,
  PRIMARY KEY (registry, key)
);

CREATE TABLE consents (
  consent_id uuid PRIMARY KEY,
  phone_key text NOT NULL,
  masked_phone text NOT NULL,
  campaign_id text NOT NULL,
  source text NOT NULL,
  given_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  -- Kept at least two years after it was given.
  kept_until timestamptz NOT NULL
);
CREATE INDEX consents_by_number ON consents (phone_key, campaign_id);

-- Append-only, hash-chained audit log.
CREATE TABLE audit_log (
  seq bigint PRIMARY KEY,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  target text NOT NULL,
  service text NOT NULL,
  details jsonb NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL UNIQUE
);
CREATE INDEX audit_by_actor ON audit_log (actor, seq);
CREATE INDEX audit_by_target ON audit_log (target, seq);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

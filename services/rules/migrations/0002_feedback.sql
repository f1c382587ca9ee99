-- Feedback over results: connect rates per segment and callee local hour, complaints per script.
ALTER TABLE lead_state ADD COLUMN last_script text NOT NULL DEFAULT '';

CREATE TABLE hour_stats (
  campaign_id text NOT NULL,
  segment     text NOT NULL,
  local_hour  smallint NOT NULL CHECK (local_hour BETWEEN 0 AND 23),
  attempts    integer NOT NULL DEFAULT 0,
  connected   integer NOT NULL DEFAULT 0,
  PRIMARY KEY (campaign_id, segment, local_hour)
);

CREATE TABLE script_stats (
  campaign_id text NOT NULL,
  script      text NOT NULL,
  connected   integer NOT NULL DEFAULT 0,
  complaints  integer NOT NULL DEFAULT 0,
  PRIMARY KEY (campaign_id, script)
);

-- One rules.script_flagged per campaign, script and day.
CREATE TABLE script_flags (
  campaign_id text NOT NULL,
  script      text NOT NULL,
  day         date NOT NULL,
  flagged_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_id, script, day)
);

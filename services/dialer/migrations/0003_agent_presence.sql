-- The agents' sessions of record (Redis holds the live states): written on every move an agent
-- asks for, read back when Redis lost them.
ALTER TABLE agents
  ADD COLUMN paused boolean NOT NULL DEFAULT true,
  ADD COLUMN pause_reason text NOT NULL DEFAULT '';

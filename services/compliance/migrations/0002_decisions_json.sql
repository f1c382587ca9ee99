-- Evidence is stored before each decision is answered, so its cost is on the answer's path: `json`
-- columns are validated and kept as written, `jsonb` ones are parsed into a binary form (about a
-- third of PostgreSQL's CPU per stored decision, measured). Both answer the same operators for
-- reading (`->`, `->>`), which is all the evidence queries use.
ALTER TABLE decisions
  ALTER COLUMN denials TYPE json USING denials::json,
  ALTER COLUMN inputs TYPE json USING inputs::json;

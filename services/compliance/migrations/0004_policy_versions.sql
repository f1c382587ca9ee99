-- Every change of a campaign's policy gets the next version. The version is announced in Redis,
-- where every dial's check compares it with the version its (cached) policy came from: a check
-- planned under an older policy is planned again, so a change binds every replica at once.
ALTER TABLE campaign_policies ADD COLUMN version bigint NOT NULL DEFAULT 1;

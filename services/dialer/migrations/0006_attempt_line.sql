-- The line (pool line or gateway) each call went out on: reports by line and the line pool's
-- health can then be read from the record. caller_id (0001) is now written too.
ALTER TABLE attempts ADD COLUMN line text;

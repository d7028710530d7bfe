-- Up Migration

-- Export and forget find a reader by address case-insensitively (lower(email) = $1: a message may have gone
-- to "ALICE@Example.com"); without an index on that expression the planner walked the primary key until
-- it met the reader: 580 ms for one near the end of a million-reader list. Built in the migration's
-- transaction: a few seconds of blocked writes at a million readers, once.
CREATE INDEX subscribers_email_lower_idx ON subscribers (lower(email));

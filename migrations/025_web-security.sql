-- Up Migration

-- Counters every web process shares when no Redis is configured: login failures and their back-off, and
-- the per-IP signup limit (src/web/counters.ts). Unlogged: a crash may forget a few minutes of counts,
-- which costs nothing a limit protects, and every hit stays one cheap write.
CREATE UNLOGGED TABLE web_counters (
  key        text PRIMARY KEY,
  count      integer NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX web_counters_expires_idx ON web_counters (expires_at);

-- Admin sessions: the cookie holds a random id, this table its hash (a copy of the database hands out no
-- session). Logout deletes the row; token_check is an HMAC of ADMIN_TOKEN, so a changed token ends every
-- session at once.
CREATE TABLE admin_sessions (
  id_hash     text PRIMARY KEY,
  token_check text NOT NULL,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);
CREATE INDEX admin_sessions_expires_idx ON admin_sessions (expires_at);

-- The mailbox an address delivers to, for limiting confirmation emails: "local+tag@domain" counts as
-- "local@domain", and Gmail ignores dots and answers for googlemail.com too.
CREATE FUNCTION verdicts_mailbox(email text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN d IN ('gmail.com', 'googlemail.com') THEN replace(l, '.', '') || '@gmail.com' ELSE l || '@' || d END
  FROM (SELECT split_part(substring(lower(email) FROM '^(.*)@[^@]*$'), '+', 1) AS l,
               substring(lower(email) FROM '@([^@]*)$') AS d) AS parts
$$;

-- Every confirmation email asked for, by hashes of the address and of its mailbox only: enough to cap what
-- one mailbox receives however the form is filled in, kept a week, and not reset by erasing the reader.
CREATE TABLE confirmation_requests (
  address_hash text NOT NULL,
  mailbox_hash text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX confirmation_requests_address_idx ON confirmation_requests (address_hash, requested_at);
CREATE INDEX confirmation_requests_mailbox_idx ON confirmation_requests (mailbox_hash, requested_at);
CREATE INDEX confirmation_requests_time_idx ON confirmation_requests (requested_at);

-- Catalog text must never reach the personalisation step as a placeholder: the import and every form
-- refuse it with a message (src/catalog/schema.ts); these hold for any other writer. NOT VALID: rows
-- written before are not re-checked here.
ALTER TABLE tools ADD CONSTRAINT tools_no_placeholders
  CHECK (concat_ws(' ', slug, name, category, tagline, description, pricing_entry, url) !~ '%%|\{\{\{|\}\}\}') NOT VALID;
ALTER TABLE reviewers ADD CONSTRAINT reviewers_no_placeholders
  CHECK (concat_ws(' ', slug, name, role) !~ '%%|\{\{\{|\}\}\}') NOT VALID;
ALTER TABLE reviews ADD CONSTRAINT reviews_no_placeholders
  CHECK (quote !~ '%%|\{\{\{|\}\}\}') NOT VALID;

-- Up Migration

-- Editors keep the catalog in the admin (/admin/catalog).
-- A retired tool is never planned again but stays in the archive and in sent issues; a retired reviewer
-- writes no new reviews, while the verdicts they gave stay on the record.
ALTER TABLE tools ADD COLUMN retired_at timestamptz;
ALTER TABLE reviewers ADD COLUMN retired_at timestamptz;

-- Who changed what in the catalog, and when: one row per change, shown on the tool's page.
--   actor    the admin identity that made the change ("admin" or the session's label)
--   action   what happened, e.g. "tool created", "review updated", "tool retired", "catalog uploaded"
--   detail   the fields that changed, as JSON ({"field": [before, after]})
CREATE TABLE catalog_audit (
  id          bigserial PRIMARY KEY,
  tool_id     bigint REFERENCES tools (id) ON DELETE SET NULL,
  reviewer_id bigint REFERENCES reviewers (id) ON DELETE SET NULL,
  actor       text NOT NULL,
  action      text NOT NULL,
  detail      jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX catalog_audit_tool_idx ON catalog_audit (tool_id, created_at DESC) WHERE tool_id IS NOT NULL;
CREATE INDEX catalog_audit_reviewer_idx ON catalog_audit (reviewer_id, created_at DESC) WHERE reviewer_id IS NOT NULL;

-- A tool's address becomes a link in emails, the archive and the admin: only http(s), whatever wrote the row.
-- The import's schema has always refused other schemes; a row written around it loses its address here.
UPDATE tools SET url = NULL WHERE url IS NOT NULL AND url !~* '^https?://';
ALTER TABLE tools ADD CONSTRAINT tools_url_http CHECK (url IS NULL OR url ~* '^https?://');

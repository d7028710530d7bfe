-- Up Migration

-- The lean send: an issue's rendered HTML and text are stored at the provider once, as a published template,
-- and each batch message names it with the reader's tokens as variables (src/delivery/issue-templates.ts).
-- One row per (issue, content): a content variant (readers' topics) is another hash, so another template.
--   alias                 stable and unique: derived from the issue and its content, so a sender that died
--                         between the provider's create and this row's update finds its template by alias
--                         instead of creating a second one
--   provider_template_id  the provider's id, once published; every batch of the issue names it
--   state                 'published' (batches use it), 'refused' (the provider refused templates: the
--                         issue goes inline, reason says why), 'deleted' (removed at the provider after the
--                         send was final and its grace period passed)
CREATE TABLE issue_templates (
  issue_id             bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  content_hash         text NOT NULL,
  alias                text NOT NULL UNIQUE,
  provider_template_id text,
  state                text NOT NULL DEFAULT 'creating' CHECK (state IN ('creating', 'published', 'refused', 'deleted')),
  reason               text,
  created_at           timestamptz NOT NULL DEFAULT now(),
  published_at         timestamptz,
  deleted_at           timestamptz,
  PRIMARY KEY (issue_id, content_hash)
);

-- The sweeper looks for published templates of finished issues: a handful of rows.
CREATE INDEX issue_templates_published_idx ON issue_templates (issue_id) WHERE state = 'published';

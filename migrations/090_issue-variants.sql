-- Up Migration

-- Per-topic content variants (issue 19): at fan-out each reader gets only the comparisons of their topics.
-- The issue is rendered once per distinct set of comparisons readers need (never per reader):
--   issues.render_view   the view (figures, texts) the stored render was made from, so a variant shows the
--                        same figures as the approved issue; NULL for issues rendered before this migration
--   issue_variants       one row per (issue, variant): key = the comparison positions, e.g. '1-3', 'all' for
--                        the whole issue (its html is the issue's own); state 'ready' (sent) or 'refused' (it
--                        failed the quality gate: its readers get the whole issue, reason says why)
--   deliveries.variant_key  the variant a reader's batch sends; NULL is the whole issue (as before). Every
--                        batch holds readers of one variant only.
ALTER TABLE issues ADD COLUMN render_view jsonb;

CREATE TABLE issue_variants (
  issue_id    bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  variant_key text NOT NULL CHECK (variant_key ~ '^(all|[0-9]+(-[0-9]+)*)$'),
  positions   int[] NOT NULL,
  state       text NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'refused')),
  reason      text,
  readers     int NOT NULL DEFAULT 0,
  subject     text NOT NULL,
  preheader   text NOT NULL,
  html        text NOT NULL,
  text        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (issue_id, variant_key)
);

ALTER TABLE deliveries ADD COLUMN variant_key text;

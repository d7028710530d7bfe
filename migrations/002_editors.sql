-- Up Migration

-- Test sends of an issue to an editor's address. Never a delivery and never counted as one; kept so the
-- issue page shows who got a test and when, and so that every test send has its own idempotency key.
CREATE TABLE test_sends (
  id                  bigserial PRIMARY KEY,
  issue_id            bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  to_address          text NOT NULL,
  requested_by        text NOT NULL,
  provider_message_id text,
  error               text,
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX test_sends_issue_idx ON test_sends (issue_id, created_at DESC);

-- Pairs an editor struck from a week's issue: re-planning that week never picks them again.
CREATE TABLE issue_exclusions (
  issue_id   bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  tool_a_id  bigint NOT NULL REFERENCES tools (id) ON DELETE CASCADE,
  tool_b_id  bigint NOT NULL REFERENCES tools (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (issue_id, tool_a_id, tool_b_id),
  CHECK (tool_a_id < tool_b_id)
);

-- The admin reads an issue's votes for its results, and the outbox newest first.
CREATE INDEX votes_issue_idx ON votes (issue_id) WHERE issue_id IS NOT NULL;
CREATE INDEX outbox_created_idx ON outbox (created_at DESC, id DESC);

-- Up Migration

-- Per-issue figures kept where the ledger rows change, so no page counts an issue's ledger per request.
--   name   a delivery state ('queued', 'sending', 'sent', 'failed', 'skipped') or 'event:<kind>' (readers
--          with at least one provider event of that kind: 'event:delivered', 'event:opened', …), or
--          'sent_minute:<epoch minute>' (messages accepted in that minute: the send's pace)
--   shard  batch_no % 8: concurrent senders bump different rows instead of queueing on one per issue;
--          a figure is the sum over its shards
-- Written only by src/delivery/counts.ts, in the same statement as the ledger change it counts.
CREATE TABLE issue_counts (
  issue_id bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  name     text NOT NULL,
  shard    smallint NOT NULL,
  n        bigint NOT NULL,
  PRIMARY KEY (issue_id, name, shard)
);

INSERT INTO issue_counts (issue_id, name, shard, n)
SELECT issue_id, state, (batch_no % 8)::smallint, count(*) FROM deliveries GROUP BY 1, 2, 3;
INSERT INTO issue_counts (issue_id, name, shard, n)
SELECT d.issue_id, 'event:' || k, (d.batch_no % 8)::smallint, count(*)
FROM deliveries d CROSS JOIN LATERAL jsonb_object_keys(d.events) AS k
GROUP BY 1, 2, 3;
INSERT INTO issue_counts (issue_id, name, shard, n)
SELECT issue_id, 'sent_minute:' || floor(extract(epoch FROM sent_at) / 60)::bigint, (batch_no % 8)::smallint, count(*)
FROM deliveries WHERE sent_at IS NOT NULL GROUP BY 1, 2, 3;

-- Community votes per tool and issue, kept by the statement that records a vote.
CREATE TABLE vote_counts (
  tool_id  bigint NOT NULL REFERENCES tools (id) ON DELETE CASCADE,
  issue_id bigint NOT NULL DEFAULT 0,
  choice   text NOT NULL CHECK (choice IN ('ship', 'skip')),
  n        bigint NOT NULL,
  PRIMARY KEY (tool_id, issue_id, choice)
);
INSERT INTO vote_counts (tool_id, issue_id, choice, n)
SELECT tool_id, coalesce(issue_id, 0), choice, count(*) FROM votes GROUP BY 1, 2, 3;

-- An issue's "unsubscribed after" figure walks the readers who left in a window, not the issue's ledger.
CREATE INDEX subscribers_unsubscribed_at_idx ON subscribers (unsubscribed_at) WHERE unsubscribed_at IS NOT NULL;

-- Export and forget find one reader's deliveries without reading the ledger.
CREATE INDEX deliveries_subscriber_idx ON deliveries (subscriber_id);

-- Votes change one row at a time (a reader's click), and also go with a forgotten reader or a deleted tool:
-- a row trigger sees every one of those paths.
CREATE FUNCTION vote_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE vote_counts SET n = n - 1
    WHERE tool_id = OLD.tool_id AND issue_id = coalesce(OLD.issue_id, 0) AND choice = OLD.choice;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO vote_counts (tool_id, issue_id, choice, n) VALUES (NEW.tool_id, coalesce(NEW.issue_id, 0), NEW.choice, 1)
    ON CONFLICT (tool_id, issue_id, choice) DO UPDATE SET n = vote_counts.n + 1;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER votes_counted AFTER INSERT OR UPDATE OR DELETE ON votes FOR EACH ROW EXECUTE FUNCTION vote_counts_track();

-- Up Migration

-- The delivery ledger, one partition per issue: a finished issue's rows leave as one DETACH + DROP
-- (`verdicts ledger prune`), never as a DELETE of a million rows, and what an issue page or a send reads
-- stays inside its own partition. The columns are the existing table's (LIKE), whatever earlier
-- migrations added; the rows already stored stay where they are: the old table becomes the partition
-- of every issue that exists now.
ALTER TABLE deliveries RENAME TO deliveries_legacy;
ALTER INDEX deliveries_pkey RENAME TO deliveries_legacy_pkey;
ALTER INDEX deliveries_pending_idx RENAME TO deliveries_legacy_pending_idx;
ALTER INDEX deliveries_provider_id_idx RENAME TO deliveries_legacy_provider_id_idx;
ALTER INDEX deliveries_subscriber_idx RENAME TO deliveries_legacy_subscriber_idx;

CREATE TABLE deliveries (LIKE deliveries_legacy INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY LIST (issue_id);
ALTER TABLE deliveries ADD PRIMARY KEY (issue_id, subscriber_id);
ALTER TABLE deliveries ADD FOREIGN KEY (issue_id) REFERENCES issues (id) ON DELETE CASCADE;
ALTER TABLE deliveries ADD FOREIGN KEY (subscriber_id) REFERENCES subscribers (id) ON DELETE CASCADE;
CREATE INDEX deliveries_pending_idx ON deliveries (issue_id, batch_no) WHERE state IN ('queued', 'sending');
CREATE INDEX deliveries_provider_id_idx ON deliveries (provider_message_id) WHERE provider_message_id IS NOT NULL;
CREATE INDEX deliveries_subscriber_idx ON deliveries (subscriber_id);

-- Gives an issue its ledger partition: a table of its own, attached (ATTACH takes a lock that lets
-- sends of other issues go on, where CREATE TABLE … PARTITION OF would stop them for a moment).
CREATE FUNCTION deliveries_partition_for_issue() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  part text := 'deliveries_i' || NEW.id;
BEGIN
  EXECUTE format('CREATE TABLE %I (LIKE deliveries INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
  EXECUTE format('ALTER TABLE %I ADD CHECK (issue_id = %s)', part, NEW.id);
  EXECUTE format('ALTER TABLE deliveries ATTACH PARTITION %I FOR VALUES IN (%s)', part, NEW.id);
  RETURN NULL;
END $$;
CREATE TRIGGER issues_ledger_partition AFTER INSERT ON issues FOR EACH ROW EXECUTE FUNCTION deliveries_partition_for_issue();

DO $$
DECLARE
  ids text;
BEGIN
  SELECT string_agg(id::text, ',' ORDER BY id) INTO ids FROM issues;
  IF ids IS NULL THEN
    DROP TABLE deliveries_legacy;
  ELSE
    -- Rows of an issue that is gone (none: the foreign key cascades) would make the attach fail loudly.
    EXECUTE format('ALTER TABLE deliveries ATTACH PARTITION deliveries_legacy FOR VALUES IN (%s)', ids);
  END IF;
END $$;

-- When an issue's per-reader rows were removed (its figures are kept in issue_counts).
ALTER TABLE issues ADD COLUMN ledger_pruned_at timestamptz;

-- Up Migration

-- A subscriber CSV import runs in chunks, each committed on its own (src/subscribers/csv-import.ts). This is
-- its progress, written in the same transaction as each chunk's readers: a crash leaves every chunk either
-- wholly in or wholly out, and running the same command on the same file again resumes after the last
-- committed chunk, ending with the report an uninterrupted run would have printed.
--   file_key   sha256 of the file's bytes, plus whether readers come in confirmed or pending
--   rows_done  data rows (after the header) of the committed chunks
CREATE TABLE subscriber_imports (
  id          bigserial PRIMARY KEY,
  file_key    text NOT NULL,
  source      text NOT NULL,
  rows_done   bigint NOT NULL DEFAULT 0,
  imported    bigint NOT NULL DEFAULT 0,
  existing    bigint NOT NULL DEFAULT 0,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
-- One unfinished import per file: the one a re-run resumes. A finished file may be imported again (its
-- rows are then "already present").
CREATE UNIQUE INDEX subscriber_imports_unfinished_idx ON subscriber_imports (file_key) WHERE finished_at IS NULL;

-- The invalid-row report of an import, kept with its chunks so a resumed run reports them all.
-- line 0: an erased address (the reader asked to be forgotten).
CREATE TABLE subscriber_import_rejects (
  id        bigserial PRIMARY KEY,
  import_id bigint NOT NULL REFERENCES subscriber_imports (id) ON DELETE CASCADE,
  line      bigint NOT NULL,
  value     text NOT NULL,
  reason    text NOT NULL
);
CREATE INDEX subscriber_import_rejects_import_idx ON subscriber_import_rejects (import_id, id);

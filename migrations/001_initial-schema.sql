-- Up Migration

-- The catalog: tools, the reviewer panel, and one verdict + quote per reviewer per tool.
CREATE TABLE tools (
  id            bigserial PRIMARY KEY,
  slug          text NOT NULL UNIQUE,
  name          text NOT NULL,
  category      text NOT NULL,
  tagline       text NOT NULL,
  description   text NOT NULL,
  pricing_entry text NOT NULL,
  url           text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tools_category_idx ON tools (category);

CREATE TABLE reviewers (
  id         bigserial PRIMARY KEY,
  slug       text NOT NULL UNIQUE,
  name       text NOT NULL,
  role       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE reviews (
  tool_id     bigint NOT NULL REFERENCES tools (id) ON DELETE CASCADE,
  reviewer_id bigint NOT NULL REFERENCES reviewers (id) ON DELETE CASCADE,
  verdict     text NOT NULL CHECK (verdict IN ('ship', 'skip')),
  quote       text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tool_id, reviewer_id)
);

-- Readers. Email is stored normalised (lower-case, trimmed) by the application.
CREATE TABLE subscribers (
  id               bigserial PRIMARY KEY,
  email            text NOT NULL UNIQUE,
  name             text,
  status           text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'active', 'unsubscribed', 'bounced', 'complained')),
  source           text NOT NULL,
  consent_at       timestamptz,
  confirm_sent_at  timestamptz,
  unsubscribed_at  timestamptz,
  suppressed_reason text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
-- Fan-out walks active readers by id.
CREATE INDEX subscribers_active_idx ON subscribers (id) WHERE status = 'active';

-- Addresses erased on request: only a hash stays, so a later import cannot silently re-add them.
CREATE TABLE forgotten_subscribers (
  email_hash   text PRIMARY KEY,
  forgotten_at timestamptz NOT NULL DEFAULT now()
);

-- One issue per ISO week.
CREATE TABLE issues (
  id               bigserial PRIMARY KEY,
  week             text NOT NULL UNIQUE CHECK (week ~ '^[0-9]{4}-W[0-9]{2}$'),
  state            text NOT NULL DEFAULT 'planned'
                   CHECK (state IN ('planned', 'rendered', 'approved', 'held', 'sending', 'sent', 'missed', 'cancelled')),
  subject          text,
  preheader        text,
  html             text,
  text             text,
  rendered_at      timestamptz,
  approved_at      timestamptz,
  approved_by      text,
  send_started_at  timestamptz,
  sent_at          timestamptz,
  audience_size    integer,
  batch_count      integer,
  state_reason     text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- The pairs of an issue, with the planner's reasons.
CREATE TABLE comparisons (
  issue_id   bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  position   integer NOT NULL,
  category   text NOT NULL,
  tool_a_id  bigint NOT NULL REFERENCES tools (id),
  tool_b_id  bigint NOT NULL REFERENCES tools (id),
  reasons    jsonb NOT NULL DEFAULT '[]',
  PRIMARY KEY (issue_id, position),
  CHECK (tool_a_id < tool_b_id)
);
CREATE INDEX comparisons_pair_idx ON comparisons (tool_a_id, tool_b_id);

-- Community votes: one per reader per tool, changeable.
CREATE TABLE votes (
  subscriber_id bigint NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  tool_id       bigint NOT NULL REFERENCES tools (id) ON DELETE CASCADE,
  issue_id      bigint REFERENCES issues (id) ON DELETE SET NULL,
  choice        text NOT NULL CHECK (choice IN ('ship', 'skip')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subscriber_id, tool_id)
);
CREATE INDEX votes_tool_idx ON votes (tool_id);

-- The delivery ledger: one row per (issue, reader), written before any job is queued.
-- A row is 'sent' only after the provider accepted it.
CREATE TABLE deliveries (
  issue_id            bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  subscriber_id       bigint NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  batch_no            integer NOT NULL,
  state               text NOT NULL DEFAULT 'queued'
                      CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'skipped')),
  provider_message_id text,
  attempts            integer NOT NULL DEFAULT 0,
  last_error          text,
  events              jsonb NOT NULL DEFAULT '{}',
  sent_at             timestamptz,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (issue_id, subscriber_id)
);
-- Only unfinished rows are looked up by batch; the partial index stays small as an issue completes.
CREATE INDEX deliveries_pending_idx ON deliveries (issue_id, batch_no) WHERE state IN ('queued', 'sending');
CREATE INDEX deliveries_provider_id_idx ON deliveries (provider_message_id) WHERE provider_message_id IS NOT NULL;

-- The local outbox: where mail goes when no RESEND_API_KEY is set.
CREATE TABLE outbox (
  id               bigserial PRIMARY KEY,
  idempotency_key  text NOT NULL,
  position         integer NOT NULL,
  message_id       text NOT NULL UNIQUE,
  to_address       text NOT NULL,
  from_address     text NOT NULL,
  subject          text NOT NULL,
  html             text NOT NULL,
  text             text NOT NULL,
  headers          jsonb NOT NULL DEFAULT '{}',
  tags             jsonb NOT NULL DEFAULT '[]',
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (idempotency_key, position)
);

-- Provider webhook events, each handled once by its id.
CREATE TABLE provider_events (
  id          text PRIMARY KEY,
  type        text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

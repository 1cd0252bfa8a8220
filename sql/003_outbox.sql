-- 003_outbox.sql -- transactional outbox: a question row and its questions-pending message commit together.

CREATE TABLE outbox (
    id          bigserial PRIMARY KEY,
    question_id text NOT NULL,
    topic       text NOT NULL,
    payload     text NOT NULL,          -- the JSON message, exactly as it will be produced
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,            -- set only after Kafka acknowledged it (acks=all)
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text
);
CREATE INDEX outbox_unsent_idx ON outbox (id) WHERE sent_at IS NULL;
CREATE INDEX outbox_sent_idx ON outbox (sent_at) WHERE sent_at IS NOT NULL;

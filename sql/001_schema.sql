-- 001_schema.sql -- qaflow tables: questions, responses, attempts, processing_metrics, llm_errors.
-- Every table carries question_id. No foreign keys between event tables: events of one
-- question arrive on different topics in any order, and every sink must accept them (idempotently).

CREATE TABLE questions (
    question_id     text PRIMARY KEY CHECK (question_id ~ '^[A-Za-z0-9_.-]{1,128}$'),
    question_text   text NOT NULL,
    original_answer text NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed', 'failed')),
    failed_reason   text,
    failed_stage    text CHECK (failed_stage IN ('storage', 'llm', 'retry', 'score')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX questions_status_idx ON questions (status);

CREATE TABLE responses (
    question_id              text PRIMARY KEY,
    question_text            text NOT NULL,
    llm_response             text NOT NULL,
    original_answer          text NOT NULL,
    bert_score               double precision NOT NULL,
    processing_attempts      integer NOT NULL CHECK (processing_attempts >= 0),
    total_processing_time_ms bigint NOT NULL CHECK (total_processing_time_ms >= 0),
    accepted_below_threshold boolean NOT NULL DEFAULT false,
    first_score              double precision,
    model                    text,
    created_at               timestamptz,
    completed_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX responses_attempts_idx ON responses (processing_attempts);

CREATE TABLE attempts (
    question_id     text NOT NULL,
    attempt_no      integer NOT NULL CHECK (attempt_no >= 1),   -- retry_count + 1
    llm_response    text NOT NULL,
    bert_score      double precision NOT NULL,
    outcome         text NOT NULL CHECK (outcome IN ('validated', 'low_quality')),
    model           text,
    llm_started_at  timestamptz,
    llm_finished_at timestamptz,
    scored_at       timestamptz,
    PRIMARY KEY (question_id, attempt_no)
);

CREATE TABLE processing_metrics (
    question_id text NOT NULL,
    attempt_no  integer NOT NULL CHECK (attempt_no >= 1),
    stage       text NOT NULL CHECK (stage IN ('queue', 'llm', 'retry_wait', 'scoring', 'persistence')),
    duration_ms bigint NOT NULL CHECK (duration_ms >= 0),
    started_at  timestamptz,
    finished_at timestamptz,
    PRIMARY KEY (question_id, attempt_no, stage)
);
CREATE INDEX processing_metrics_stage_idx ON processing_metrics (stage);

CREATE TABLE llm_errors (
    id               bigserial PRIMARY KEY,
    question_id      text NOT NULL,
    error_type       text NOT NULL CHECK (error_type IN ('overload', 'quota', 'fatal')),
    http_status      integer,
    error_message    text,
    retry_count      integer NOT NULL DEFAULT 0,
    error_retries    integer NOT NULL DEFAULT 0,
    delay_applied_ms bigint,
    occurred_at      timestamptz NOT NULL DEFAULT now(),
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (question_id, retry_count, error_retries, error_type)
);
CREATE INDEX llm_errors_type_idx ON llm_errors (error_type);

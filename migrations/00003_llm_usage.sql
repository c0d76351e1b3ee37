-- +goose Up
-- One accounting line per LLM call.
CREATE TABLE llm_usage (
    id                uuid        PRIMARY KEY,
    learner_id        uuid        REFERENCES users (id) ON DELETE SET NULL,
    purpose           text        NOT NULL,
    provider          text        NOT NULL,
    model             text        NOT NULL,
    prompt_tokens     integer     NOT NULL CHECK (prompt_tokens >= 0),
    completion_tokens integer     NOT NULL CHECK (completion_tokens >= 0),
    cached_tokens     integer     NOT NULL CHECK (cached_tokens >= 0),
    cost_micro_usd    bigint      NOT NULL CHECK (cost_micro_usd >= 0),
    latency_ms        integer     NOT NULL CHECK (latency_ms >= 0),
    outcome           text        NOT NULL,
    created_at        timestamptz NOT NULL
);
CREATE INDEX llm_usage_learner_time ON llm_usage (learner_id, created_at);

-- Tokens per learner per quota day (UTC), reserved before a call and
-- corrected after it: the one counter every instance shares.
CREATE TABLE llm_quota_days (
    learner_id uuid    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day        date    NOT NULL,
    tokens     bigint  NOT NULL CHECK (tokens >= 0),
    PRIMARY KEY (learner_id, day)
);

-- +goose Down
DROP TABLE llm_quota_days;
DROP TABLE llm_usage;

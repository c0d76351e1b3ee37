-- +goose Up
-- Tutor conversations, listed by last activity.
CREATE TABLE conversations (
    id                 uuid        PRIMARY KEY,
    owner_id           uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title              text        NOT NULL,
    -- The exercise a conversation was opened from; the conversation
    -- outlives it.
    exercise_id        uuid        REFERENCES exercises (id) ON DELETE SET NULL,
    -- The rolling summary of the turns that no longer fit the context
    -- window, and the seq of the last message it covers.
    summary            text        NOT NULL DEFAULT '',
    summarized_through integer     NOT NULL DEFAULT 0 CHECK (summarized_through >= 0),
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
-- Listing order and keyset.
CREATE INDEX conversations_owner_activity ON conversations (owner_id, updated_at DESC, id DESC);
-- For ON DELETE SET NULL when an exercise goes.
CREATE INDEX conversations_exercise ON conversations (exercise_id) WHERE exercise_id IS NOT NULL;

-- The turns of a conversation, numbered 1, 2, ... by Append under a lock on
-- the conversation row; the unique key backs the numbering and serves
-- paging by seq.
CREATE TABLE chat_messages (
    id                uuid        PRIMARY KEY,
    conversation_id   uuid        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq               integer     NOT NULL CHECK (seq > 0),
    role              text        NOT NULL CHECK (role IN ('user', 'assistant')),
    content           text        NOT NULL,
    status            text        NOT NULL CHECK (status IN ('streaming', 'complete', 'interrupted', 'failed')),
    provider          text        NOT NULL DEFAULT '',
    model             text        NOT NULL DEFAULT '',
    prompt_tokens     integer     NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
    completion_tokens integer     NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
    cached_tokens     integer     NOT NULL DEFAULT 0 CHECK (cached_tokens >= 0),
    latency_ms        integer     NOT NULL DEFAULT 0 CHECK (latency_ms >= 0),
    finish_reason     text        NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL,
    CONSTRAINT chat_messages_conversation_seq_key UNIQUE (conversation_id, seq)
);

-- +goose Down
DROP TABLE chat_messages;
DROP TABLE conversations;

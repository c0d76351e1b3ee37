-- +goose Up
-- Learners' linked GitHub repositories. Two learners may link the same
-- repository; one learner links it once.
CREATE TABLE github_repositories (
    id             uuid        PRIMARY KEY,
    owner_id       uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- GitHub's stable id: the repository keeps it across renames.
    github_id      bigint      NOT NULL CHECK (github_id > 0),
    full_name      text        NOT NULL,
    default_branch text        NOT NULL,
    visibility     text        NOT NULL CHECK (visibility IN ('public', 'private')),
    language       text        NOT NULL DEFAULT '',
    status         text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'broken')),
    broken_reason  text        NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    -- Also serves ON DELETE CASCADE from users (owner_id leads).
    CONSTRAINT github_repositories_owner_github_id_key UNIQUE (owner_id, github_id),
    -- The target of code_reviews' (link_id, owner_id) foreign key.
    CONSTRAINT github_repositories_id_owner_id_key UNIQUE (id, owner_id)
);
-- Listing order and keyset.
CREATE INDEX github_repositories_owner_created ON github_repositories (owner_id, created_at DESC, id DESC);

-- Code reviews of a linked repository at a ref or of a pull request.
CREATE TABLE code_reviews (
    id             uuid        PRIMARY KEY,
    link_id        uuid        NOT NULL,
    -- The link's owner, copied so the daily count needs no join; the
    -- foreign key below keeps it equal to the link's.
    owner_id       uuid        NOT NULL,
    ref            text        NOT NULL DEFAULT '',
    pull_number    integer     NOT NULL DEFAULT 0 CHECK (pull_number >= 0),
    -- "the same request" (review.Review.DedupKey), written by the adapter.
    dedup_key      text        NOT NULL,
    commit_sha     text        NOT NULL DEFAULT '',
    status         text        NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed')),
    -- Summary, strengths, findings, topics, suggested exercises, reviewed
    -- and skipped files, counters; {} until the review completes.
    result         jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(result) = 'object'),
    failure_code   text        NOT NULL DEFAULT '',
    failure_reason text        NOT NULL DEFAULT '',
    attempts       integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at     timestamptz NOT NULL,
    started_at     timestamptz,
    completed_at   timestamptz,
    CONSTRAINT code_reviews_link_id_owner_id_fkey FOREIGN KEY (link_id, owner_id)
        REFERENCES github_repositories (id, owner_id) ON DELETE CASCADE
);
-- Two identical pending requests are one: Create inserts with ON CONFLICT
-- on this index and answers the pending review.
CREATE UNIQUE INDEX code_reviews_pending_dedup_key ON code_reviews (dedup_key)
    WHERE status IN ('queued', 'running');
-- A link's history, newest first, and keyset; also serves the cascade.
CREATE INDEX code_reviews_link_history ON code_reviews (link_id, created_at DESC, id DESC);
-- The owner's daily count.
CREATE INDEX code_reviews_owner_created ON code_reviews (owner_id, created_at);

-- The ledger of review requests the daily limit counts: a line per review
-- created, kept when the repository is unlinked (and its reviews deleted),
-- so unlinking and linking again does not reset the day's count.
CREATE TABLE code_review_requests (
    owner_id   uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    review_id  uuid        NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX code_review_requests_owner_created ON code_review_requests (owner_id, created_at);

-- +goose Down
DROP TABLE code_review_requests;
DROP TABLE code_reviews;
DROP TABLE github_repositories;

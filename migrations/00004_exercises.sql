-- +goose Up
-- Exercises: the curated catalogue (synced from files by slug and content
-- version) and the ones generated for a learner. language and slug sort
-- bytewise (COLLATE "C") so listings and keyset cursors order the same way
-- on every server and in the in-memory twin.
CREATE TABLE exercises (
    id           uuid        PRIMARY KEY,
    slug         text        COLLATE "C" NOT NULL,
    language     text        COLLATE "C" NOT NULL,
    title        text        NOT NULL,
    difficulty   smallint    NOT NULL CHECK (difficulty BETWEEN 1 AND 3),
    topics       text[]      NOT NULL DEFAULT '{}',
    prompt       text        NOT NULL,
    starter_code text        NOT NULL,
    solution     text        NOT NULL,
    entry        text        NOT NULL,
    -- [{name, args, expected, hidden}]: args and expected are JSON values.
    tests        jsonb       NOT NULL CHECK (jsonb_typeof(tests) = 'array'),
    hints        text[]      NOT NULL DEFAULT '{}',
    visibility   text        NOT NULL CHECK (visibility IN ('public', 'owner')),
    owner_id     uuid        REFERENCES users (id) ON DELETE CASCADE,
    source       text        NOT NULL CHECK (source IN ('catalog', 'generated')),
    version      text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    CONSTRAINT exercises_language_slug_key UNIQUE (language, slug),
    CONSTRAINT exercises_owner_only_has_owner CHECK (visibility = 'public' OR owner_id IS NOT NULL)
);
-- Listing order and keyset, with or without a language filter.
CREATE INDEX exercises_list ON exercises (language, difficulty, slug, id);
CREATE INDEX exercises_difficulty ON exercises (difficulty, language, slug, id);
CREATE INDEX exercises_topics ON exercises USING gin (topics);
-- The generation quota counts an owner's exercises since a time.
CREATE INDEX exercises_owner_created ON exercises (owner_id, created_at) WHERE owner_id IS NOT NULL;

-- One attempt per learner and exercise; the unique key decides Ensure races.
CREATE TABLE exercise_attempts (
    id                   uuid        PRIMARY KEY,
    learner_id           uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    exercise_id          uuid        NOT NULL REFERENCES exercises (id) ON DELETE CASCADE,
    status               text        NOT NULL CHECK (status IN ('assigned', 'in_progress', 'completed', 'skipped')),
    hints_used           integer     NOT NULL DEFAULT 0 CHECK (hints_used >= 0),
    submissions          integer     NOT NULL DEFAULT 0 CHECK (submissions >= 0),
    failed_submissions   integer     NOT NULL DEFAULT 0 CHECK (failed_submissions >= 0),
    -- '' until the first graded submission.
    best_verdict         text        NOT NULL DEFAULT '' CHECK (best_verdict IN ('', 'passed', 'failed',
        'compile_error', 'runtime_error', 'timeout', 'memory_limit', 'output_limit', 'error')),
    -- No foreign key: submissions reference attempts, not the other way.
    passed_submission_id uuid,
    xp_awarded           integer     NOT NULL DEFAULT 0 CHECK (xp_awarded >= 0),
    assigned_at          timestamptz NOT NULL,
    started_at           timestamptz,
    completed_at         timestamptz,
    skipped_at           timestamptz,
    updated_at           timestamptz NOT NULL,
    CONSTRAINT exercise_attempts_learner_exercise_key UNIQUE (learner_id, exercise_id)
);
CREATE INDEX exercise_attempts_history ON exercise_attempts (learner_id, updated_at DESC, id DESC);
CREATE INDEX exercise_attempts_exercise ON exercise_attempts (exercise_id);

-- The exercise of the day, one per learner and local date; the primary
-- key decides Claim races.
CREATE TABLE daily_assignments (
    learner_id  uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day         date        NOT NULL,
    exercise_id uuid        NOT NULL REFERENCES exercises (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (learner_id, day)
);
CREATE INDEX daily_assignments_exercise ON daily_assignments (exercise_id);

-- Graded submissions with their per-test results.
CREATE TABLE submissions (
    id           uuid        PRIMARY KEY,
    attempt_id   uuid        NOT NULL REFERENCES exercise_attempts (id) ON DELETE CASCADE,
    learner_id   uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    exercise_id  uuid        NOT NULL REFERENCES exercises (id) ON DELETE CASCADE,
    language     text        NOT NULL,
    code         text        NOT NULL,
    verdict      text        NOT NULL CHECK (verdict IN ('passed', 'failed', 'compile_error', 'runtime_error',
        'timeout', 'memory_limit', 'output_limit', 'error')),
    message      text        NOT NULL DEFAULT '',
    passed_count integer     NOT NULL CHECK (passed_count >= 0),
    total_count  integer     NOT NULL CHECK (total_count >= 0),
    duration_ms  integer     NOT NULL CHECK (duration_ms >= 0),
    -- [{name, hidden, passed, message, expected, actual, stdout, duration_ms}]
    tests        jsonb       NOT NULL CHECK (jsonb_typeof(tests) = 'array'),
    hints_used   integer     NOT NULL DEFAULT 0 CHECK (hints_used >= 0),
    created_at   timestamptz NOT NULL
);
CREATE INDEX submissions_latest ON submissions (learner_id, exercise_id, created_at DESC);
CREATE INDEX submissions_attempt ON submissions (attempt_id);
CREATE INDEX submissions_exercise ON submissions (exercise_id);

-- Awards, each at most once per learner.
CREATE TABLE achievements (
    learner_id uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code       text        NOT NULL,
    earned_at  timestamptz NOT NULL,
    PRIMARY KEY (learner_id, code)
);

-- +goose Down
DROP TABLE achievements;
DROP TABLE submissions;
DROP TABLE daily_assignments;
DROP TABLE exercise_attempts;
DROP TABLE exercises;

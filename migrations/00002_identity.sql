-- +goose Up
-- A session is one sign-in; its refresh tokens rotate and only their
-- SHA-256 hashes are stored.
CREATE TABLE sessions (
    id            uuid        PRIMARY KEY,
    user_id       uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    revoke_reason text        NOT NULL DEFAULT '',
    user_agent    text        NOT NULL DEFAULT '',
    ip            text        NOT NULL DEFAULT ''
);
CREATE INDEX sessions_live_by_user ON sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE refresh_tokens (
    id         uuid        PRIMARY KEY,
    session_id uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    token_hash text        NOT NULL UNIQUE,
    issued_at  timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- Email verification and password reset tokens: single use, expiring,
-- stored hashed, bound to the address they were sent to.
CREATE TABLE one_time_tokens (
    id         uuid        PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text        NOT NULL CHECK (purpose IN ('verify_email', 'password_reset')),
    email      text        NOT NULL,
    token_hash text        NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX one_time_tokens_live ON one_time_tokens (user_id, purpose) WHERE used_at IS NULL;

-- Provider accounts (GitHub, Google) linked to users. The access token is
-- AES-GCM sealed by the application before it gets here.
CREATE TABLE linked_identities (
    user_id             uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider            text        NOT NULL,
    subject             text        NOT NULL,
    email               text        NOT NULL DEFAULT '',
    login               text        NOT NULL DEFAULT '',
    access_token_sealed text        NOT NULL DEFAULT '',
    scopes              text[]      NOT NULL DEFAULT '{}',
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX linked_identities_user ON linked_identities (user_id);

-- Preferences and onboarding answers.
CREATE TABLE learner_profiles (
    user_id             uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    languages           text[]      NOT NULL,
    skill_level         text        NOT NULL CHECK (skill_level IN ('beginner', 'intermediate', 'advanced')),
    daily_goal_minutes  integer     NOT NULL CHECK (daily_goal_minutes BETWEEN 5 AND 240),
    tutor_style         text        NOT NULL CHECK (tutor_style IN ('socratic', 'direct', 'encouraging')),
    email_notifications boolean     NOT NULL,
    goals               text[]      NOT NULL DEFAULT '{}',
    onboarded_at        timestamptz,
    updated_at          timestamptz NOT NULL
);

-- +goose Down
DROP TABLE learner_profiles;
DROP TABLE linked_identities;
DROP TABLE one_time_tokens;
DROP TABLE refresh_tokens;
DROP TABLE sessions;

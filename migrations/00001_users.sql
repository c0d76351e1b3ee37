-- +goose Up
CREATE TABLE users (
    id                uuid        PRIMARY KEY,
    email             text        NOT NULL,
    email_verified_at timestamptz,
    -- argon2id PHC string; NULL for accounts that only use a provider.
    password_hash     text,
    display_name      text        NOT NULL,
    avatar_url        text        NOT NULL DEFAULT '',
    bio               text        NOT NULL DEFAULT '',
    timezone          text        NOT NULL DEFAULT 'UTC',
    role              text        NOT NULL DEFAULT 'learner' CHECK (role IN ('learner', 'admin')),
    disabled          boolean     NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
-- Addresses differing only in case are one account (domain: Email.Key).
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- +goose Down
DROP TABLE users;

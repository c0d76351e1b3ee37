-- +goose Up
CREATE TABLE users (
    id           uuid        PRIMARY KEY,
    email        text        NOT NULL,
    display_name text        NOT NULL,
    role         text        NOT NULL DEFAULT 'learner' CHECK (role IN ('learner', 'admin')),
    disabled     boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
-- Addresses differing only in case are one account (domain: Email.Key).
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- +goose Down
DROP TABLE users;

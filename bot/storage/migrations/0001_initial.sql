-- Identity is split in two: analysis tables hold only the HMAC pseudonym; the Telegram
-- chat id needed to send messages lives in `contacts` alone (privacy_and_roles.md).

CREATE TABLE pilots (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    controller TEXT NOT NULL,
    notice_version TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE people (
    pseudonym TEXT PRIMARY KEY,
    language TEXT,
    current_pilot_id INTEGER REFERENCES pilots(id) ON DELETE SET NULL,
    processing_stopped_at TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE contacts (
    pseudonym TEXT PRIMARY KEY REFERENCES people(pseudonym) ON DELETE CASCADE,
    chat_id INTEGER NOT NULL UNIQUE,
    active INTEGER NOT NULL DEFAULT 1,
    blocked_at TEXT
);

CREATE TABLE members (
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    pseudonym TEXT NOT NULL REFERENCES people(pseudonym) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('onboarding', 'active', 'withdrawn')),
    onboarding_step TEXT NOT NULL,
    pending_consents TEXT NOT NULL DEFAULT '',
    stakeholder_group TEXT,
    joined_at TEXT NOT NULL,
    PRIMARY KEY (pilot_id, pseudonym)
);

CREATE TABLE roles (
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    pseudonym TEXT NOT NULL REFERENCES people(pseudonym) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('coordinator', 'facilitator', 'member')),
    granted_at TEXT NOT NULL,
    PRIMARY KEY (pilot_id, pseudonym, role)
);

CREATE TABLE invites (
    id INTEGER PRIMARY KEY,
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('coordinator', 'facilitator', 'member')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    max_uses INTEGER NOT NULL CHECK (max_uses > 0),
    uses INTEGER NOT NULL DEFAULT 0
);

-- Append-only: the current answer for a purpose is its latest row.
CREATE TABLE consents (
    id INTEGER PRIMARY KEY,
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    pseudonym TEXT NOT NULL REFERENCES people(pseudonym) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    granted INTEGER NOT NULL,
    notice_version TEXT NOT NULL,
    language TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX consents_by_member ON consents (pilot_id, pseudonym, purpose, id);

-- An update's effects are committed with its row here (answered = 0); once every handler
-- has run, and so replied, answered = 1. A redelivered update is never applied again; if
-- it was not answered, the person is shown where they are.
CREATE TABLE processed_updates (
    update_id INTEGER PRIMARY KEY,
    processed_at TEXT NOT NULL,
    answered INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT,
    action TEXT NOT NULL,
    pilot_id INTEGER,
    subject TEXT,
    detail TEXT NOT NULL DEFAULT ''
);

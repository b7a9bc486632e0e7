-- Live workshops in a group chat bound to a pilot, their polls and attendance.
-- The facilitator is kept as a pseudonym (messaged through contacts); the group's chat id
-- is a group's, not a person's.
CREATE TABLE workshops (
    id INTEGER PRIMARY KEY,
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    chat_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    language TEXT NOT NULL,
    facilitator TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'ended')),
    -- A member invite made for the workshop; its link is shown in the group anyway.
    join_code TEXT NOT NULL,
    attendance_message_id INTEGER,
    attendance_shown INTEGER NOT NULL DEFAULT 0,
    attendance_edited_at REAL NOT NULL DEFAULT 0,
    guests INTEGER NOT NULL DEFAULT 0,
    poll_set TEXT,
    set_position INTEGER NOT NULL DEFAULT 0,
    started_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE UNIQUE INDEX one_open_workshop_per_group ON workshops (chat_id) WHERE status = 'open';

CREATE TABLE workshop_polls (
    id INTEGER PRIMARY KEY,
    workshop_id INTEGER NOT NULL REFERENCES workshops(id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    options TEXT NOT NULL,  -- JSON list of option texts
    kind TEXT NOT NULL CHECK (kind IN ('choice', 'scale')),
    scale_min INTEGER,
    named INTEGER NOT NULL DEFAULT 0,
    multiple INTEGER NOT NULL DEFAULT 0,
    hidden INTEGER NOT NULL DEFAULT 0,
    open_period INTEGER,
    -- What the poll is about (a goal or an idea of the steps), for their ranking.
    subject_kind TEXT,
    subject_id INTEGER,
    -- closing: stopped in the group, its final tally (Telegram's poll update) still to come.
    status TEXT NOT NULL DEFAULT 'sending'
        CHECK (status IN ('sending', 'open', 'closing', 'closed')),
    telegram_poll_id TEXT UNIQUE,
    message_id INTEGER,
    -- Telegram's own tally (every voter, members or not), as its last poll update had it.
    counts TEXT NOT NULL DEFAULT '[]',
    voters INTEGER NOT NULL DEFAULT 0,
    -- Counts of a paper or hands-up vote added by the facilitator.
    paper TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX polls_by_workshop ON workshop_polls (workshop_id, id);

-- One row per pilot member per non-anonymous poll: what they chose (a retraction deletes it).
CREATE TABLE poll_votes (
    poll_id INTEGER NOT NULL REFERENCES workshop_polls(id) ON DELETE CASCADE,
    pseudonym TEXT NOT NULL,
    option_ids TEXT NOT NULL,
    PRIMARY KEY (poll_id, pseudonym)
);

-- Pilot members who pressed "I'm here".
CREATE TABLE workshop_attendance (
    workshop_id INTEGER NOT NULL REFERENCES workshops(id) ON DELETE CASCADE,
    pseudonym TEXT NOT NULL,
    PRIMARY KEY (workshop_id, pseudonym)
);

-- Others who pressed it, only to count each once: a one-way token per workshop, deleted
-- when the workshop ends (the count stays in workshops.guests).
CREATE TABLE workshop_guests (
    workshop_id INTEGER NOT NULL REFERENCES workshops(id) ON DELETE CASCADE,
    token TEXT NOT NULL,
    PRIMARY KEY (workshop_id, token)
);

-- The outbox also sends and stops polls: the table is rebuilt with the wider CHECK.
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL,
    update_id INTEGER,
    kind TEXT NOT NULL CHECK (
        kind IN ('send', 'edit', 'keyboard', 'photo', 'document', 'poll', 'stop_poll')
    ),
    payload TEXT NOT NULL,
    file BLOB,
    created_at TEXT NOT NULL,
    on_sent TEXT  -- 0009: who records the sent message's id
);
INSERT INTO outbox_new
SELECT id, chat_id, update_id, kind, payload, file, created_at, on_sent FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_by_chat ON outbox (chat_id, id);
CREATE TRIGGER outbox_answers_its_update AFTER INSERT ON outbox
WHEN NEW.update_id IS NOT NULL
BEGIN
    INSERT INTO processed_updates (update_id, processed_at, answered)
    VALUES (NEW.update_id, NEW.created_at, 1)
    ON CONFLICT (update_id) DO UPDATE SET answered = 1;
END;

-- Questions to the panel: sent in private (the asker is not stored), moderated by the
-- facilitator, upvoted in the group (each person once).
CREATE TABLE panel_questions (
    id INTEGER PRIMARY KEY,
    workshop_id INTEGER NOT NULL REFERENCES workshops(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'new'
        CHECK (status IN ('new', 'approved', 'rejected', 'answered')),
    created_at TEXT NOT NULL
);
CREATE TABLE question_votes (
    question_id INTEGER NOT NULL REFERENCES panel_questions(id) ON DELETE CASCADE,
    pseudonym TEXT NOT NULL,
    PRIMARY KEY (question_id, pseudonym)
);

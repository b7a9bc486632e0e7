-- Workshops, continued: open questions answered in private and moderated; polls over a
-- round's goals or ideas; whether the bot may write in the workshop's group.

-- 1 while the group has restricted the bot (it may not send messages there).
ALTER TABLE workshops ADD COLUMN muted INTEGER NOT NULL DEFAULT 0;

-- For a poll over a round's goals or ideas (subject_kind, subject_id = the round): the
-- proposal of each option, as a JSON list in option order; its votes count in their ranking.
ALTER TABLE workshop_polls ADD COLUMN option_subjects TEXT;

CREATE TABLE open_questions (
    id INTEGER PRIMARY KEY,
    workshop_id INTEGER NOT NULL REFERENCES workshops(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at TEXT NOT NULL
);
CREATE INDEX open_questions_by_workshop ON open_questions (workshop_id, id);

-- One answer per pilot member and question: its author (for one answer each and for
-- /delete), its language (for the stop words), and the facilitator's decision.
CREATE TABLE open_answers (
    id INTEGER PRIMARY KEY,
    question_id INTEGER NOT NULL REFERENCES open_questions(id) ON DELETE CASCADE,
    pseudonym TEXT NOT NULL,
    text TEXT NOT NULL,
    language TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'approved', 'rejected')),
    created_at TEXT NOT NULL,
    UNIQUE (question_id, pseudonym)
);

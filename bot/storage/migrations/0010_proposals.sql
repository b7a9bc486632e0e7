-- SEROI+ steps 1 and 3: goal rounds and idea rounds, the proposals made in them, their
-- history (what each proposer is told), dots, supports; and the privacy notice that says
-- what happens to an approved proposal when its author uses /delete.

CREATE TABLE rounds (
    id INTEGER PRIMARY KEY,
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('goal', 'idea')),
    prompt TEXT NOT NULL,
    -- The last day of the round (a date in the pilot's time zone).
    closes_on TEXT NOT NULL,
    stakeholder_group TEXT,
    dots INTEGER NOT NULL DEFAULT 3 CHECK (dots BETWEEN 1 AND 20),
    phase TEXT NOT NULL DEFAULT 'proposing'
        CHECK (phase IN ('proposing', 'prioritising', 'closed')),
    created_at TEXT NOT NULL
);
CREATE INDEX rounds_by_pilot ON rounds (pilot_id, kind, id);

CREATE TABLE proposals (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    -- The author; NULL when entered on paper by a facilitator, or after the author's
    -- /delete (an approved proposal then stays as the pilot's).
    pseudonym TEXT,
    on_paper INTEGER NOT NULL DEFAULT 0,
    text TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN
        ('draft', 'pending', 'approved', 'merged', 'rejected', 'shortlisted', 'action')),
    merged_into INTEGER REFERENCES proposals(id) ON DELETE SET NULL,
    reason TEXT,
    action_id INTEGER REFERENCES actions(id) ON DELETE SET NULL,
    -- The status card in the author's chat, edited in place on every change.
    card_message_id INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX proposals_by_round ON proposals (round_id, status);
CREATE INDEX proposals_by_author ON proposals (pseudonym);

-- An idea round is about one or more approved goals.
CREATE TABLE round_goals (
    round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    goal_id INTEGER NOT NULL REFERENCES proposals(id) ON DELETE CASCADE,
    PRIMARY KEY (round_id, goal_id)
);

-- Every status change of a proposal, as its author is told it.
CREATE TABLE proposal_history (
    id INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES proposals(id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'merged', 'rejected',
        'shortlisted', 'action', 'started', 'done')),
    at TEXT NOT NULL
);

-- One row per dot; a facilitator's paper dots have no pseudonym.
CREATE TABLE dots (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    proposal_id INTEGER NOT NULL REFERENCES proposals(id) ON DELETE CASCADE,
    pseudonym TEXT,
    stakeholder_group TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX dots_by_voter ON dots (round_id, pseudonym);

CREATE TABLE supports (
    proposal_id INTEGER NOT NULL REFERENCES proposals(id) ON DELETE CASCADE,
    pseudonym TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (proposal_id, pseudonym)
);

UPDATE pilots SET notice_version = '2026-12-steps';

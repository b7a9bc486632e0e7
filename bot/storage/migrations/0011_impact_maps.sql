-- SEROI+ step 4: every version of a pilot's impact map, uploaded or changed in chat. The
-- versions are the pilot's: `actor` (who made one, a pseudonym) is cleared by /delete.
CREATE TABLE impact_map_versions (
    id INTEGER PRIMARY KEY,
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    number INTEGER NOT NULL CHECK (number >= 1),
    yaml TEXT NOT NULL,
    actor TEXT,
    source TEXT NOT NULL CHECK (source IN ('upload', 'chat')),
    changes TEXT NOT NULL DEFAULT '[]',  -- JSON: [[kind, outcome id, [fields]], ...]
    created_at TEXT NOT NULL,
    UNIQUE (pilot_id, number)
);

-- Where a coordinator is in linking an indicator in chat (one edit per person and pilot).
CREATE TABLE map_edits (
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    pseudonym TEXT NOT NULL REFERENCES people(pseudonym) ON DELETE CASCADE,
    action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    indicator TEXT,
    outcome_id TEXT,
    step TEXT NOT NULL CHECK (step IN ('indicator', 'outcome', 'values', 'proxy', 'proxy_value')),
    started_at TEXT NOT NULL,
    PRIMARY KEY (pilot_id, pseudonym)
);

-- SEROI+ step 2: an invite for a missing stakeholder group records the group at joining.
ALTER TABLE invites ADD COLUMN stakeholder_group TEXT;

-- The pilot's actions (SEROI+ step 3 turns shortlisted ideas into them; step 4 links
-- indicators to them). Their budgets are the investment the impact map counts.
CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    budget_eur REAL NOT NULL DEFAULT 0 CHECK (budget_eur >= 0),
    status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'started', 'done')),
    created_at TEXT NOT NULL
);
CREATE INDEX actions_by_pilot ON actions (pilot_id, id);

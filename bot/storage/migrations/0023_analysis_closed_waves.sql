-- A pilot's run of closed waves with their counts (bot/storage/repositories/analysis.py),
-- kept on disk: after a restart or an erasure they are read from here, not counted again
-- over a year of prompts. A closed wave's prompts no longer change, except when deleted
-- (an erasure), which the trigger below subtracts in the same transaction. Counts only.
CREATE TABLE analysis_closed_waves (
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    module TEXT NOT NULL,
    closes_at TEXT NOT NULL,
    prompted INTEGER NOT NULL,
    answered INTEGER NOT NULL,
    PRIMARY KEY (pilot_id, period, module)
) WITHOUT ROWID;

CREATE TRIGGER analysis_closed_waves_prompt_deleted AFTER DELETE ON checkin_prompts
BEGIN
    UPDATE analysis_closed_waves
    SET prompted = prompted - 1, answered = answered - (OLD.status = 'answered')
    WHERE pilot_id = OLD.pilot_id AND period = OLD.period AND module = OLD.module;
END;

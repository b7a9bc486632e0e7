-- The per-member sums of a pilot's closed waves (bot/storage/repositories/analysis.py), kept
-- on disk: after a restart or an erasure they are read back, not computed again from every
-- answer. Closed waves never change; an erased member's row goes with their answers.
CREATE TABLE analysis_sums (
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    pseudonym TEXT NOT NULL REFERENCES people(pseudonym) ON DELETE CASCADE,
    -- JSON array of the member's sums, in the order of analysis_summed.names.
    sums TEXT NOT NULL,
    PRIMARY KEY (pilot_id, pseudonym)
);

-- Per pilot: which waves the sums cover (JSON [[module, period, closes_at], ...]), the
-- names of the sums, and the layout (the SQL that computed them) they were written in.
CREATE TABLE analysis_summed (
    pilot_id INTEGER PRIMARY KEY REFERENCES pilots(id) ON DELETE CASCADE,
    waves TEXT NOT NULL,
    names TEXT NOT NULL,
    layout TEXT NOT NULL
);

-- Whatever deletes a member's answers (/delete, or a pilot's data removed by hand) deletes
-- their sums in the same transaction: no figure of an erased member stays behind.
CREATE TRIGGER analysis_sums_of_erased_answers AFTER DELETE ON checkin_answers
BEGIN
    DELETE FROM analysis_sums WHERE pilot_id = OLD.pilot_id AND pseudonym = OLD.pseudonym;
END;

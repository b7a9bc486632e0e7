-- Analysis reads: a covering index for a pilot's waves (which have closed, their counts and
-- reminders), and a count per pilot of check-in rows deleted (an erasure), so a summary
-- computed over closed waves is known to be still true without reading those waves again.
CREATE INDEX checkin_prompts_by_wave_status
    ON checkin_prompts (pilot_id, period, module, status, closes_at, reminders);
-- A newly closed wave's answers, read alone to be added to the sums kept of the others.
CREATE INDEX checkin_answers_by_period ON checkin_answers (pilot_id, period);

-- No foreign key: the rows deleted with a pilot are counted too.
CREATE TABLE analysis_erasures (
    pilot_id INTEGER PRIMARY KEY,
    rows_deleted INTEGER NOT NULL
);

CREATE TRIGGER analysis_prompt_deleted AFTER DELETE ON checkin_prompts
BEGIN
    INSERT INTO analysis_erasures (pilot_id, rows_deleted) VALUES (OLD.pilot_id, 1)
    ON CONFLICT (pilot_id) DO UPDATE SET rows_deleted = rows_deleted + 1;
END;

CREATE TRIGGER analysis_answer_deleted AFTER DELETE ON checkin_answers
BEGIN
    INSERT INTO analysis_erasures (pilot_id, rows_deleted) VALUES (OLD.pilot_id, 1)
    ON CONFLICT (pilot_id) DO UPDATE SET rows_deleted = rows_deleted + 1;
END;

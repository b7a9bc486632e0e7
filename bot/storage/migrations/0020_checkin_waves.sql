-- One row per pilot, module and wave: when its last prompt closes. The tick asks which
-- weekly wave closed last (for coordinators' digests) every time it runs; reading that from
-- every prompt of the pilot grew with the pilot's history, this stays a few rows a year.
CREATE TABLE checkin_waves (
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    module TEXT NOT NULL,
    period TEXT NOT NULL,
    closes_at TEXT NOT NULL,
    PRIMARY KEY (pilot_id, module, period)
) WITHOUT ROWID;

INSERT INTO checkin_waves (pilot_id, module, period, closes_at)
SELECT pilot_id, module, period, MAX(closes_at)
FROM checkin_prompts
GROUP BY pilot_id, module, period;

-- Kept by the database itself, whoever creates a prompt.
CREATE TRIGGER checkin_waves_close AFTER INSERT ON checkin_prompts
BEGIN
    INSERT INTO checkin_waves (pilot_id, module, period, closes_at)
    VALUES (NEW.pilot_id, NEW.module, NEW.period, NEW.closes_at)
    ON CONFLICT DO UPDATE SET closes_at = MAX(closes_at, excluded.closes_at);
END;

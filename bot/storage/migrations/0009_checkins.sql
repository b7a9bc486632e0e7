-- Check-ins: the next thing due per member and module (one tick job reads the due rows),
-- one prompt per member and wave (its engine state and the message showing it), and the
-- answers, once per member, period and item (the last answer in a wave wins).

-- Which wellbeing module a pilot asks monthly, and the neutral support pointer shown
-- with a member's own trend (NULL: none configured).
ALTER TABLE pilots ADD COLUMN wellbeing_module TEXT NOT NULL DEFAULT 'who5'
    CHECK (wellbeing_module IN ('who5', 'ons4'));
ALTER TABLE pilots ADD COLUMN support_pointer TEXT;

-- A member's own check-in settings: time zone (NULL: the pilot's), pause.
CREATE TABLE checkin_settings (
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    pseudonym TEXT NOT NULL REFERENCES people(pseudonym) ON DELETE CASCADE,
    timezone TEXT,
    paused_until TEXT,
    PRIMARY KEY (pilot_id, pseudonym)
);

-- When the tick must look at a member's module next (UTC ISO). '' = as soon as possible
-- (plan it): set when a member becomes active or grants a consent.
CREATE TABLE checkin_due (
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    pseudonym TEXT NOT NULL REFERENCES people(pseudonym) ON DELETE CASCADE,
    module TEXT NOT NULL CHECK (module IN ('weekly', 'monthly')),
    next_due_at TEXT NOT NULL,
    PRIMARY KEY (pilot_id, pseudonym, module)
);
CREATE INDEX checkin_due_by_time ON checkin_due (next_due_at);

-- One per member and wave. status: open (prompted, not finished), answered, closed
-- (the wave ended first), blocked (the member blocked the bot), stopped (withdrawn or
-- paused). message_id: the message that shows the check-in now (NULL until sent).
CREATE TABLE checkin_prompts (
    id INTEGER PRIMARY KEY,
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    pseudonym TEXT NOT NULL REFERENCES people(pseudonym) ON DELETE CASCADE,
    module TEXT NOT NULL CHECK (module IN ('weekly', 'monthly')),
    period TEXT NOT NULL,
    script TEXT NOT NULL,
    state TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'answered', 'closed', 'blocked', 'stopped')),
    prompted_at TEXT NOT NULL,
    closes_at TEXT NOT NULL,
    reminders INTEGER NOT NULL DEFAULT 0,
    snoozed_until TEXT,
    message_id INTEGER,
    answered_at TEXT,
    UNIQUE (pilot_id, pseudonym, module, period)
);
CREATE INDEX checkin_prompts_by_wave ON checkin_prompts (pilot_id, module, period);

CREATE TABLE checkin_answers (
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    pseudonym TEXT NOT NULL REFERENCES people(pseudonym) ON DELETE CASCADE,
    module TEXT NOT NULL,
    period TEXT NOT NULL,
    item TEXT NOT NULL,
    -- NULL: skipped or "prefer not to say". Codes as text, numbers as their digits.
    value TEXT,
    derived INTEGER NOT NULL DEFAULT 0,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (pilot_id, pseudonym, period, item)
);

-- A sent reply that something waits for: `on_sent` names who records its message id.
ALTER TABLE outbox ADD COLUMN on_sent TEXT;

-- Plan the check-ins of a member who becomes active, or grants a check-in consent again.
CREATE TRIGGER checkins_plan_new_member AFTER UPDATE OF status ON members
WHEN NEW.status = 'active'
BEGIN
    INSERT INTO checkin_due (pilot_id, pseudonym, module, next_due_at)
    VALUES (NEW.pilot_id, NEW.pseudonym, 'weekly', ''), (NEW.pilot_id, NEW.pseudonym, 'monthly', '')
    ON CONFLICT DO UPDATE SET next_due_at = '';
END;

CREATE TRIGGER checkins_plan_on_consent AFTER INSERT ON consents
WHEN NEW.granted = 1 AND NEW.purpose IN ('checkins', 'wellbeing')
BEGIN
    INSERT INTO checkin_due (pilot_id, pseudonym, module, next_due_at)
    SELECT NEW.pilot_id, NEW.pseudonym,
        CASE NEW.purpose WHEN 'checkins' THEN 'weekly' ELSE 'monthly' END, ''
    WHERE EXISTS (SELECT 1 FROM members WHERE pilot_id = NEW.pilot_id
        AND pseudonym = NEW.pseudonym AND status = 'active')
    ON CONFLICT DO UPDATE SET next_due_at = '';
END;

-- Members who joined before check-ins existed.
INSERT INTO checkin_due (pilot_id, pseudonym, module, next_due_at)
SELECT pilot_id, pseudonym, module, '' FROM members, (SELECT 'weekly' AS module UNION ALL SELECT 'monthly')
WHERE status = 'active';

-- A withdrawn consent, a stopped membership or a blocked contact is looked at by the next
-- tick (which closes the open prompt), not at the next reminder time.
CREATE TRIGGER checkins_stop_on_withdrawal AFTER INSERT ON consents
WHEN NEW.granted = 0 AND NEW.purpose IN ('checkins', 'wellbeing')
BEGIN
    UPDATE checkin_due SET next_due_at = ''
    WHERE pilot_id = NEW.pilot_id AND pseudonym = NEW.pseudonym
    AND module = CASE NEW.purpose WHEN 'checkins' THEN 'weekly' ELSE 'monthly' END;
END;

CREATE TRIGGER checkins_stop_on_member AFTER UPDATE OF status ON members
WHEN NEW.status != 'active'
BEGIN
    UPDATE checkin_due SET next_due_at = ''
    WHERE pilot_id = NEW.pilot_id AND pseudonym = NEW.pseudonym;
END;

CREATE TRIGGER checkins_stop_on_block AFTER UPDATE OF active ON contacts
BEGIN
    UPDATE checkin_due SET next_due_at = '' WHERE pseudonym = NEW.pseudonym;
END;

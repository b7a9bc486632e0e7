-- Coordinators' summaries: what each closed wave showed, the weekly digest, and albums.

-- The figures of a closed wave as first published (answers and mean per item). A later
-- erasure deletes the answers but not what was already shown, so a figure asked for before
-- and after someone leaves is the same figure, and the difference gives no one away.
CREATE TABLE wave_figures (
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    module TEXT NOT NULL,
    period TEXT NOT NULL,
    item TEXT NOT NULL,
    answered INTEGER NOT NULL,
    mean REAL,
    PRIMARY KEY (pilot_id, module, period, item)
);

-- The SEROI+ return as first published for a map version over a set of closed waves
-- (JSON: ratios and values by dimension and stakeholder). Shown again until another wave
-- closes or the map changes, so an erasure in between cannot be read off the difference.
CREATE TABLE published_returns (
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    map_version INTEGER NOT NULL,
    waves TEXT NOT NULL,
    figures TEXT NOT NULL,
    PRIMARY KEY (pilot_id, map_version, waves)
);

-- Coordinators who asked for the weekly digest (/digest on).
CREATE TABLE digest_subscribers (
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    pseudonym TEXT NOT NULL REFERENCES people(pseudonym) ON DELETE CASCADE,
    since TEXT NOT NULL,
    PRIMARY KEY (pilot_id, pseudonym)
);

-- The weekly waves whose digest a coordinator has been sent, stored in the transaction
-- that stores the digest itself: after a restart it is sent neither twice nor never.
CREATE TABLE digests_sent (
    pilot_id INTEGER NOT NULL REFERENCES pilots(id) ON DELETE CASCADE,
    pseudonym TEXT NOT NULL REFERENCES people(pseudonym) ON DELETE CASCADE,
    period TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (pilot_id, pseudonym, period)
);

-- The outbox also sends albums (sendMediaGroup): the table is rebuilt with the wider CHECK.
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL,
    update_id INTEGER,
    kind TEXT NOT NULL CHECK (
        kind IN ('send', 'edit', 'keyboard', 'photo', 'document', 'poll', 'stop_poll', 'album')
    ),
    payload TEXT NOT NULL,
    file BLOB,
    created_at TEXT NOT NULL,
    on_sent TEXT
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

-- Updates the bot could not read (python-telegram-bot failed to parse them), set aside so
-- that one bad update does not block every other. Only what helps to find the cause is
-- kept: which kinds of content it had and the error's type, never its personal data.
CREATE TABLE quarantined_updates (
    update_id INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL,
    kinds TEXT NOT NULL,
    error TEXT NOT NULL
);

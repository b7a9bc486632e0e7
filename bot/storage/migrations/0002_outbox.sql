-- What the bot still has to send. An update's replies are stored here when it has been
-- handled, in the same statement that marks it answered (the trigger below), and sent in
-- order per chat after that; a row is deleted once Telegram has it. A restart sends what
-- is left, so no reply is lost and a slow reply (the rate limiter) holds up no update.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL,
    update_id INTEGER,
    kind TEXT NOT NULL CHECK (kind IN ('send', 'edit', 'keyboard', 'photo', 'document')),
    payload TEXT NOT NULL,
    file BLOB,
    created_at TEXT NOT NULL
);
CREATE INDEX outbox_by_chat ON outbox (chat_id, id);

CREATE TRIGGER outbox_answers_its_update AFTER INSERT ON outbox
WHEN NEW.update_id IS NOT NULL
BEGIN
    INSERT INTO processed_updates (update_id, processed_at, answered)
    VALUES (NEW.update_id, NEW.created_at, 1)
    ON CONFLICT (update_id) DO UPDATE SET answered = 1;
END;

-- Which SEROI_PSEUDONYM_KEY the pseudonyms were made with: an HMAC of a fixed label under
-- the key, never the key. A start with another key is refused instead of orphaning
-- everyone; `seroi-bot rotate-key` changes keys on purpose.
CREATE TABLE pseudonym_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);

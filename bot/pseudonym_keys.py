"""Which SEROI_PSEUDONYM_KEY a database was made with, and changing it on purpose.

Pseudonyms are HMACs of Telegram ids under the key, so a bot started with another key
finds nobody: every person would silently become a stranger. The database therefore
keeps a fingerprint of its key, and a start with another key is refused. Rotation
recomputes every pseudonym from the Telegram ids that `contacts` holds (a private chat's
id is its person's user id) and rewrites them all in one transaction.
"""

from __future__ import annotations

import hashlib
import hmac

from pydantic import SecretStr

from bot.services import Services
from bot.storage.db import Database, utc_now

FINGERPRINT_LABEL = b"seroi-bot pseudonym key fingerprint"
# Columns that hold pseudonyms, by name, in any table (the audit log's actor and subject).
PSEUDONYM_COLUMNS = frozenset({"pseudonym", "actor", "subject"})


class PseudonymKeyMismatchError(Exception):
    """The key in settings is not the one the database's pseudonyms were made with."""


class KeyRotationError(Exception):
    """The key cannot be rotated as asked; nothing was changed."""


def fingerprint(key: SecretStr) -> str:
    """An HMAC of a fixed label under the key: tells keys apart, reveals nothing of them."""
    return hmac.new(key.get_secret_value().encode(), FINGERPRINT_LABEL, hashlib.sha256).hexdigest()


async def _stored_fingerprint(db: Database) -> str | None:
    row = await db.fetch_one("SELECT fingerprint FROM pseudonym_key WHERE id = 1")
    return row["fingerprint"] if row else None


async def _private_contacts(db: Database) -> list[tuple[int, str]]:
    # Group chats have negative ids, and theirs is not a person's user id.
    rows = await db.fetch_all("SELECT chat_id, pseudonym FROM contacts WHERE chat_id > 0")
    return [(row["chat_id"], row["pseudonym"]) for row in rows]


async def _is_the_key_of(services: Services) -> bool:
    """Whether the services' key made this database's pseudonyms."""
    stored = await _stored_fingerprint(services.db)
    if stored is not None:
        return hmac.compare_digest(stored, fingerprint(services.settings.pseudonym_key))
    # A database from before fingerprints: its people's pseudonyms tell.
    contacts = await _private_contacts(services.db)
    return not contacts or any(
        hmac.compare_digest(services.pseudonym(chat_id), pseudonym)
        for chat_id, pseudonym in contacts
    )


async def _record(db: Database, key: SecretStr) -> None:
    await db.execute(
        "INSERT INTO pseudonym_key (id, fingerprint, recorded_at) VALUES (1, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint, "
        "recorded_at = excluded.recorded_at",
        (fingerprint(key), utc_now()),
    )


async def check_key(services: Services) -> None:
    """Refuse a key other than the database's; a database without a fingerprint gets one."""
    if not await _is_the_key_of(services):
        raise PseudonymKeyMismatchError(services.settings.db_path)
    if await _stored_fingerprint(services.db) is None:
        async with services.db.transaction():
            await _record(services.db, services.settings.pseudonym_key)


async def pseudonym_columns(db: Database) -> list[tuple[str, str]]:
    """(table, column) of every column that holds pseudonyms, read from the schema."""
    tables = await db.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    found = []
    for table in tables:
        for column in await db.fetch_all("SELECT name FROM pragma_table_info(?)", (table[0],)):
            if column["name"] in PSEUDONYM_COLUMNS:
                found.append((table[0], column["name"]))
    return found


async def rotate_key(old: Services, new: Services) -> int:
    """Rewrite every pseudonym from the old key to the new one; how many people moved.

    One transaction: a failure (or a kill) leaves the database under the old key.
    """
    db = new.db
    if not await _is_the_key_of(old):
        raise KeyRotationError("SEROI_OLD_PSEUDONYM_KEY is not the key this database was made with")
    renamed = {
        pseudonym: new.pseudonym(chat_id)
        for chat_id, pseudonym in await _private_contacts(db)
        if hmac.compare_digest(old.pseudonym(chat_id), pseudonym)
    }
    people = [row["pseudonym"] for row in await db.fetch_all("SELECT pseudonym FROM people")]
    stranded = [pseudonym for pseudonym in people if pseudonym not in renamed]
    if stranded:
        raise KeyRotationError(
            f"{len(stranded)} of {len(people)} people have no private chat with the bot "
            "from which their pseudonym could be recomputed"
        )
    columns = await pseudonym_columns(db)
    async with db.transaction():
        # The references between the renamed rows are consistent again at COMMIT.
        await db.execute("PRAGMA defer_foreign_keys = ON")
        await db.execute("CREATE TEMP TABLE renamed (old TEXT PRIMARY KEY, new TEXT NOT NULL)")
        await db.executemany(
            "INSERT INTO temp.renamed (old, new) VALUES (?, ?)", [*renamed.items()]
        )
        for table, column in columns:
            await db.execute(
                f'UPDATE "{table}" SET "{column}" = '
                f'(SELECT new FROM temp.renamed WHERE old = "{table}"."{column}") '
                f'WHERE "{column}" IN (SELECT old FROM temp.renamed)'
            )
        await db.execute("DROP TABLE temp.renamed")
        await _record(db, new.settings.pseudonym_key)
    return len(renamed)

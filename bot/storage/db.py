"""The database: one writer connection, one reader connection, migrations, transactions.

Updates of different chats are handled concurrently, so two handlers must never share a
transaction or read each other's uncommitted writes. Writes therefore go through
`transaction()` only (a write outside one raises), one transaction at a time on the
writer connection; a read inside a transaction sees that transaction's own writes, and
every other read goes to a separate read-only connection, which sees committed data. Long
analysis reads (summaries over every answer of a pilot) have a read-only connection of
their own, so the reads behind residents' replies never queue behind them; in WAL mode no
reader holds up the writer. Copying the write-ahead log back into the database file (a
checkpoint, with its fsync) is done soon after commits on a connection of its own, never
inside the COMMIT of whichever transaction happens to fill the log.
"""

from __future__ import annotations

import asyncio
import contextvars
import fcntl
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from datetime import UTC, datetime, timedelta
from enum import Enum
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

log = logging.getLogger(__name__)

UPDATE_MEMORY = timedelta(days=2)
# How long a statement waits for another connection's write lock before giving up.
BUSY_TIMEOUT_SECONDS = 5
# How soon after a commit the write-ahead log is copied into the database file: writes
# within it share one checkpoint (and one fsync).
CHECKPOINT_DELAY_SECONDS = 1.0


class UpdateProgress(Enum):
    """How far the bot got with an update, as far as the database knows."""

    NEW = "new"
    APPLIED = "applied"
    ANSWERED = "answered"


class AlreadyProcessedError(Exception):
    """The update was applied before (Telegram delivered it again after a crash)."""


class OutsideTransactionError(RuntimeError):
    """A write was attempted outside `Database.transaction()`."""


class DatabaseUnavailableError(Exception):
    """The database cannot be used; `transient` if it may pass by itself (a lock held)."""

    def __init__(self, problem: str, *, transient: bool) -> None:
        super().__init__(problem)
        self.transient = transient


def _unavailable(path: Path | str, error: sqlite3.Error) -> DatabaseUnavailableError:
    """The operator's view of why SQLite could not open or migrate the database."""
    kind = getattr(error, "sqlite_errorname", "")
    if kind.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return DatabaseUnavailableError(
            f"the database {path} stayed locked by another program for {BUSY_TIMEOUT_SECONDS} s",
            transient=True,
        )
    if kind.startswith("SQLITE_NOTADB"):
        return DatabaseUnavailableError(f"{path} is not a SQLite database", transient=False)
    if kind.startswith("SQLITE_READONLY"):
        return DatabaseUnavailableError(
            f"the database {path} or its folder is read-only", transient=False
        )
    if kind.startswith("SQLITE_CANTOPEN"):
        return DatabaseUnavailableError(
            f"the database {path} cannot be opened (does its folder exist, and may the bot "
            "write there?)",
            transient=False,
        )
    return DatabaseUnavailableError(f"the database {path} cannot be used: {error}", transient=False)


def lock_path_of(db_path: Path | str) -> Path:
    """The file beside the database that the running bot holds locked."""
    path = Path(db_path)
    return path.with_name(path.name + ".lock")


@contextmanager
def instance_lock(db_path: Path | str) -> Iterator[None]:
    """Hold the database for this process alone; a second holder is refused at once.

    The lock is the kernel's (`flock`), so it ends with the process however it ends: a
    crash leaves no stale lock behind, and the lock file itself may stay.
    """
    path = lock_path_of(db_path)
    try:
        handle = path.open("a+", encoding="ascii")
    except FileNotFoundError as error:
        raise DatabaseUnavailableError(
            f"the folder {path.parent} of the database does not exist", transient=False
        ) from error
    except OSError as error:
        raise DatabaseUnavailableError(
            f"the bot may not write in the folder {path.parent} ({error.strerror})",
            transient=False,
        ) from error
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise DatabaseUnavailableError(
                f"another seroi-bot (process {holder}) is already running on the database "
                f"{db_path}",
                transient=False,
            ) from error
        # For the operator who wonders who holds it; the lock, not this number, decides.
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield


# Whether the running task is inside its own write transaction (each task has its own value).
_in_transaction: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "in_transaction", default=False
)


Result = TypeVar("Result")


def utc_now() -> str:
    """A sortable ISO timestamp in UTC."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("bot.storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)


def _read_only_uri(path: Path | str) -> str:
    return f"{Path(path).resolve().as_uri()}?mode=ro"


def _fetch_all_on_thread(
    connection: sqlite3.Connection, sql: str, parameters: tuple
) -> list[aiosqlite.Row]:
    return connection.execute(sql, parameters).fetchall()


def _roll_back_on_thread(connection: sqlite3.Connection) -> None:
    if connection.in_transaction:
        connection.execute("ROLLBACK")


async def _logged_failure(work: Coroutine[Any, Any, None], name: str) -> None:
    try:
        await work
    except Exception:
        log.exception("background work failed: %s", name)


class Database:
    """A writer connection (WAL) behind `transaction()`, and a reader for everything else."""

    def __init__(
        self,
        writer: aiosqlite.Connection,
        reader: aiosqlite.Connection,
        checkpointer: aiosqlite.Connection,
        path: Path | str,
    ) -> None:
        self._writer = writer
        self._reader = reader
        self._checkpointer = checkpointer
        self._checkpointing: asyncio.Task[None] | None = None
        self._written_since_checkpoint = False
        self._path = path
        self._long_reader: aiosqlite.Connection | None = None
        self._long_reader_opening = asyncio.Lock()
        self._write_lock = asyncio.Lock()
        # The update id (0: none) whose transaction is still to be begun: BEGIN goes with
        # the transaction's first statement, in the same trip to the writer's thread.
        self._to_begin: int | None = None
        # Telegram numbers a bot's updates in increasing order, so only ids up to the last
        # one stored before this start can be redeliveries; later ones need no lookup.
        self._last_update_before_start = 0
        # Writes that nothing waits for (a cache written back after the result it served):
        # close() lets them end first.
        self._background: set[asyncio.Task[None]] = set()

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        """Open (creating if needed) and migrate the database at `path`.

        Raises DatabaseUnavailableError, with nothing left open, if it cannot be used.
        """
        connections: list[aiosqlite.Connection] = []
        try:
            writer = await aiosqlite.connect(str(path), isolation_level=None)
            connections.append(writer)
            writer.row_factory = aiosqlite.Row
            # First, so that even switching to WAL waits for another writer a while.
            await writer.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
            await writer.execute("PRAGMA journal_mode=WAL")
            await writer.execute("PRAGMA foreign_keys=ON")
            # Erased rows are overwritten on disk, not just unlinked (not every build
            # defaults to it).
            await writer.execute("PRAGMA secure_delete=ON")
            await writer.execute("PRAGMA synchronous=NORMAL")
            # The checkpointer copies the log back (`_checkpoint_after_writes`), not COMMIT.
            await writer.execute("PRAGMA wal_autocheckpoint=0")
            reader = await aiosqlite.connect(_read_only_uri(path), uri=True, isolation_level=None)
            connections.append(reader)
            reader.row_factory = aiosqlite.Row
            await reader.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
            checkpointer = await aiosqlite.connect(str(path), isolation_level=None)
            connections.append(checkpointer)
            await checkpointer.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
            database = cls(writer, reader, checkpointer, path)
            await database.migrate()
            await database.forget_old_updates()
            row = await database.fetch_one("SELECT MAX(update_id) AS last FROM processed_updates")
        except BaseException as error:
            # aiosqlite's threads are not daemons: one left open keeps the process alive.
            for connection in connections:
                await connection.close()
            if isinstance(error, sqlite3.Error):
                raise _unavailable(path, error) from error
            raise
        database._last_update_before_start = row["last"] or 0
        return database

    async def close(self) -> None:
        """Close every connection, once the background writes have ended (the last
        connection to close copies what is left of the log back)."""
        if self._background:
            log.info("waiting for %d background write(s) to end", len(self._background))
        await self.background_done()
        if self._checkpointing is not None:
            self._checkpointing.cancel()
            with suppress(asyncio.CancelledError):
                await self._checkpointing
        if self._long_reader is not None:
            await self._long_reader.close()
        await self._checkpointer.close()
        await self._reader.close()
        await self._writer.close()

    def in_background(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run `work` (which writes in transactions of its own) as a task that nothing waits
        for; a failure is logged. It starts outside any transaction of the caller."""
        task = asyncio.create_task(
            _logged_failure(work, name), name=name, context=contextvars.Context()
        )
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def background_done(self) -> None:
        """Wait until the background work started so far, and any it starts, has ended."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    def _committed(self) -> None:
        """Note a commit: the log is copied back into the database file soon."""
        self._written_since_checkpoint = True
        if self._checkpointing is None:
            self._checkpointing = asyncio.create_task(
                self._checkpoint_after_writes(), context=contextvars.Context()
            )

    async def log_copied_back(self) -> None:
        """Wait until the log holds nothing the checkpointer was told of (benches, tests)."""
        if self._checkpointing is not None:
            await asyncio.shield(self._checkpointing)

    async def _checkpoint_after_writes(self) -> None:
        """Copy the log into the database file a little after writes, until none come.

        PASSIVE: it copies what no reader still needs and never waits for the writer, which
        goes on appending meanwhile; the next writer starts the log over once all is copied.
        """
        try:
            while self._written_since_checkpoint:
                await asyncio.sleep(CHECKPOINT_DELAY_SECONDS)
                self._written_since_checkpoint = False
                await self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as error:
            # The next commit tries again; until then the log only grows.
            log.warning("could not copy the write-ahead log into the database (%s)", error)
        finally:
            self._checkpointing = None

    async def migrate(self) -> None:
        """Apply the numbered SQL files newer than `PRAGMA user_version`."""
        async with self._writer.execute("PRAGMA user_version") as cursor:
            (version,) = await cursor.fetchone()
        for number, script in _migrations():
            if number <= version:
                continue
            log.info("applying migration %04d", number)
            async with self._write_lock:
                await self._writer.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
                )

    @asynccontextmanager
    async def transaction(self, update_id: int | None = None) -> AsyncIterator[None]:
        """A write transaction; with `update_id`, it also records the update as applied.

        Recording the update in the same transaction as its effects is what makes a
        redelivered update (after a crash) have its effect once: the second time,
        `AlreadyProcessedError` is raised (by the first statement, or at the end if there
        is none) and nothing is written.

        The writer's thread is visited as few times as the statements need: BEGIN and the
        update's record go with the first statement, and the COMMIT is queued behind the
        last one before the write lock passes on (the thread runs its queue in order), so
        the next transaction's first statement need not wait for this one's round trip.
        This transaction still returns only once its COMMIT has succeeded.
        """
        if _in_transaction.get():
            raise RuntimeError("transactions do not nest")
        await self._write_lock.acquire()
        marker = _in_transaction.set(True)
        self._to_begin = update_id or 0
        try:
            try:
                yield
            except BaseException:
                if self._to_begin is None:
                    # Queued even when the first statement's wait was cancelled before the
                    # thread ran it: the thread must not stay inside this transaction.
                    await self._queue_on_writer(_roll_back_on_thread)
                raise
            # Nothing written and no update to record: no transaction was begun at all.
            committed = (
                self._queue_on_writer(self._commit_on_thread, self._to_begin)
                if self._to_begin != 0
                else None
            )
        finally:
            self._to_begin = None
            _in_transaction.reset(marker)
            self._write_lock.release()
        if committed is not None:
            await committed
            self._committed()

    def _queue_on_writer(
        self, work: Callable[..., Result], *arguments: object
    ) -> asyncio.Future[Result]:
        """Queue `work(connection, *arguments)` for the writer's thread now; its result later.

        aiosqlite's connection thread runs its queue in order. Its own `_execute` does the
        same but queues only once awaited; a COMMIT queued here, while the write lock is
        still held, is sure to run before whatever the next holder queues.
        """
        future = asyncio.get_running_loop().create_future()
        call = partial(work, self._writer._conn, *arguments)
        self._writer._tx.put_nowait((future, call))
        return future

    @staticmethod
    def _begin_on_thread(connection: sqlite3.Connection, update_id: int) -> None:
        """BEGIN, and the update's record (0: none); a second delivery rolls back at once."""
        connection.execute("BEGIN IMMEDIATE")
        if not update_id:
            return
        try:
            connection.execute(
                "INSERT INTO processed_updates (update_id, processed_at) VALUES (?, ?)",
                (update_id, utc_now()),
            )
        except sqlite3.IntegrityError:
            connection.execute("ROLLBACK")
            raise AlreadyProcessedError(update_id) from None

    @classmethod
    def _commit_on_thread(cls, connection: sqlite3.Connection, to_begin: int | None) -> None:
        """COMMIT what the transaction wrote; roll back if that fails (the next one starts
        clean). A transaction that wrote nothing commits only its update's record."""
        if to_begin is not None:
            cls._begin_on_thread(connection, to_begin)
        try:
            connection.execute("COMMIT")
        except BaseException:
            _roll_back_on_thread(connection)
            raise

    async def _in_writer(self, work: Callable[..., Result], *arguments: object) -> Result:
        """Run a statement of the current transaction on the writer's thread, in one trip
        with the transaction's BEGIN if that has not been sent yet."""
        if not _in_transaction.get():
            raise OutsideTransactionError(str(arguments[0]) if arguments else "")
        to_begin, self._to_begin = self._to_begin, None
        if to_begin is None:
            return await self._queue_on_writer(work, *arguments)
        return await self._queue_on_writer(self._begun_then, to_begin, work, *arguments)

    @classmethod
    def _begun_then(
        cls,
        connection: sqlite3.Connection,
        to_begin: int,
        work: Callable[..., Result],
        *arguments: object,
    ) -> Result:
        cls._begin_on_thread(connection, to_begin)
        return work(connection, *arguments)

    async def execute(self, sql: str, parameters: tuple = ()) -> aiosqlite.Cursor:
        """Run one write statement of the current transaction."""
        cursor = await self._in_writer(sqlite3.Connection.execute, sql, parameters)
        return aiosqlite.Cursor(self._writer, cursor)

    async def executemany(self, sql: str, rows: list[tuple]) -> None:
        """Run one write statement for many rows, in the current transaction."""
        await self._in_writer(sqlite3.Connection.executemany, sql, rows)

    async def execute_returning(self, sql: str, parameters: tuple = ()) -> list[aiosqlite.Row]:
        """Run one write statement of the current transaction; the rows of its RETURNING.

        One trip to aiosqlite's thread, where executing and then fetching take two.
        """
        return await self._in_writer(_fetch_all_on_thread, sql, parameters)

    async def fetch_one(self, sql: str, parameters: tuple = ()) -> aiosqlite.Row | None:
        """The first row of a query, or None."""
        rows = await self.fetch_all(sql, parameters)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, parameters: tuple = ()) -> list[aiosqlite.Row]:
        """All rows of a query: inside a transaction as it sees them, else as committed."""
        if _in_transaction.get():
            return await self._in_writer(_fetch_all_on_thread, sql, parameters)
        # One trip to aiosqlite's thread instead of three (execute, fetch, close): those
        # trips, not SQLite, are most of the cost of a query.
        return list(await self._reader.execute_fetchall(sql, parameters))

    async def fetch_all_long(self, sql: str, parameters: tuple = ()) -> list[aiosqlite.Row]:
        """All rows of a long read, as committed, on the analysis connection (opened on first
        use), so the other reads go on meanwhile."""
        async with self._long_reader_opening:
            if self._long_reader is None:
                reader = await aiosqlite.connect(
                    _read_only_uri(self._path), uri=True, isolation_level=None
                )
                reader.row_factory = aiosqlite.Row
                await reader.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
                self._long_reader = reader
        return list(await self._long_reader.execute_fetchall(sql, parameters))

    async def atomic(
        self, sql: str, parameters: tuple = (), *, update_id: int | None = None
    ) -> list[aiosqlite.Row]:
        """One write statement as a transaction of its own, in one trip; with `update_id`,
        recording the update as applied in the same transaction (`transaction()`'s rule).

        The whole transaction is one call on the writer's thread, so the write lock is held
        only while it is queued, not while it runs: the next writer queues right behind it.
        Rows come back from a `RETURNING` clause.
        """
        if _in_transaction.get():
            raise RuntimeError("atomic() is its own transaction; use execute() inside one")
        async with self._write_lock:
            done = self._queue_on_writer(self._atomic_on_thread, update_id or 0, sql, parameters)
        rows = await done
        self._committed()
        return rows

    @classmethod
    def _atomic_on_thread(
        cls, connection: sqlite3.Connection, update_id: int, sql: str, parameters: tuple
    ) -> list[aiosqlite.Row]:
        if not update_id:
            # SQLite runs a single statement (with its triggers) atomically.
            return _fetch_all_on_thread(connection, sql, parameters)
        cls._begin_on_thread(connection, update_id)
        try:
            rows = _fetch_all_on_thread(connection, sql, parameters)
            connection.execute("COMMIT")
        except BaseException:
            _roll_back_on_thread(connection)
            raise
        return rows

    async def mark_answered(self, *update_ids: int) -> None:
        """Record that every handler has run for these updates (and so has replied)."""
        now = utc_now()
        await self.atomic(
            "INSERT INTO processed_updates (update_id, processed_at, answered) VALUES "
            + ", ".join(["(?, ?, 1)"] * len(update_ids))
            + " ON CONFLICT (update_id) DO UPDATE SET answered = 1",
            tuple(field for update_id in update_ids for field in (update_id, now)),
        )

    async def wipe_wal(self) -> None:
        """Copy the write-ahead log into the database file and empty it (after an erasure).

        Erased rows are overwritten in the database file (`secure_delete`), but their old
        pages stay in the WAL file until a checkpoint: TRUNCATE leaves no trace there.
        """
        async with self._write_lock:
            await self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def forget_old_updates(self) -> None:
        """Telegram keeps an update for 24 hours at most, so older ids cannot come back."""
        cutoff = (datetime.now(UTC) - UPDATE_MEMORY).isoformat(timespec="seconds")
        async with self.transaction():
            await self.execute("DELETE FROM processed_updates WHERE processed_at < ?", (cutoff,))

    async def update_progress(self, update_id: int) -> UpdateProgress:
        """How far an update got before: not seen, applied (stored), or answered too."""
        if update_id > self._last_update_before_start:
            return UpdateProgress.NEW
        row = await self.fetch_one(
            "SELECT answered FROM processed_updates WHERE update_id = ?", (update_id,)
        )
        if row is None:
            return UpdateProgress.NEW
        return UpdateProgress.ANSWERED if row["answered"] else UpdateProgress.APPLIED

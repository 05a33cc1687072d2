"""Online backups of the SQLite database, their check, retention, and restoring one.

A backup is `VACUUM INTO` a temporary file beside the others, checked, then renamed into place:
`ladon-YYYYMMDDTHHMMSSZ.db` (UTC). VACUUM INTO reads the live database in one read transaction,
so the copy is one consistent moment; in WAL mode (the bot's) a reader never blocks writers, so the
bot writes on while it runs. SQLite's stepwise backup API would release its read between steps
only to start over whenever another connection writes, which on a busy database may never end,
and its one-step form gains nothing over VACUUM INTO, which also writes the copy compacted.

A backup counts only once it passed the check (`check`): `PRAGMA integrity_check` says ok, no
foreign key is broken, and it is a Ladon database at a schema revision this code knows. A failed
one is deleted and reported; it never replaces a good one, and retention only counts good ones.

Never copy the file of a live database: a copy taken mid-write, or without its -wal file, is torn.
Restoring is the one place files are copied, and only while the bot is stopped: a running bot
holds a shared lock on `<database>.lock` (`running`), and `restore` needs it exclusively.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

NAME = re.compile(r"^ladon-(\d{8}T\d{6}Z)\.db$")
STAMP = "%Y%m%dT%H%M%SZ"
LADON_TABLES = {"alembic_version", "users", "clients", "interactions", "audit_log", "audit_head"}


class BackupError(Exception):
    """A backup or restore that did not happen, and why, in words for whoever runs it."""


@dataclass(frozen=True)
class Checked:
    path: Path
    revision: str
    size: int


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL; None for another database (or an in-memory one)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    from db.migrate import alembic_config

    return {script.revision for script in ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions()}


def check(path: Path) -> Checked:
    """Open `path` read-only and make sure it is a whole Ladon database; BackupError says what is wrong."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            verdict = [row[0] for row in db.execute("PRAGMA integrity_check")]
            if verdict != ["ok"]:
                raise BackupError(f"{path}: damaged: {'; '.join(verdict[:3])}")
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not LADON_TABLES <= tables:
                raise BackupError(f"{path}: not a Ladon database (no {', '.join(sorted(LADON_TABLES - tables))})")
            if db.execute("PRAGMA foreign_key_check").fetchone() is not None:
                raise BackupError(f"{path}: a foreign key is broken")
            revisions = [row[0] for row in db.execute("SELECT version_num FROM alembic_version")]
    except sqlite3.DatabaseError as error:  # not a database at all, or unreadable
        raise BackupError(f"{path}: cannot be read as a SQLite database ({error})") from None
    if len(revisions) != 1 or revisions[0] not in known_revisions():
        raise BackupError(f"{path}: its schema revision {revisions} is not one this version of Ladon knows")
    return Checked(path, revisions[0], path.stat().st_size)


def _fsync_dir(directory: Path) -> None:
    if os.name == "posix":
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def make(database: Path, directory: Path, now: datetime, *, target: Path | None = None) -> Checked:
    """Back the live `database` up into `directory` (or to `target`), checked; BackupError if it failed."""
    if not database.is_file():
        raise BackupError(f"{database}: no such database file")
    final = target or directory / f"ladon-{now.astimezone(timezone.utc):{STAMP}}.db"
    if final.exists():
        raise BackupError(f"{final}: already exists")
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name(f".{final.name}.partial")
    temporary.unlink(missing_ok=True)  # left by a run that died
    try:
        with closing(sqlite3.connect(database, timeout=30)) as source:
            source.execute("VACUUM INTO ?", (str(temporary),))
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        checked = check(temporary)
        os.replace(temporary, final)
        _fsync_dir(final.parent)
    except (sqlite3.Error, OSError) as error:
        raise BackupError(f"backup of {database} failed: {error}") from None
    finally:
        temporary.unlink(missing_ok=True)
    return Checked(final, checked.revision, checked.size)


def backups(directory: Path) -> dict[datetime, Path]:
    """The backups in `directory` by their moment (files named as `make` names them)."""
    found = {}
    for path in directory.glob("ladon-*.db") if directory.is_dir() else ():
        match = NAME.match(path.name)
        if match:
            found[datetime.strptime(match.group(1), STAMP).replace(tzinfo=timezone.utc)] = path
    return found


def to_keep(moments: list[datetime], daily: int, weekly: int) -> set[datetime]:
    """The newest backup of each of the last `daily` days that have one, and of each of the last
    `weekly` ISO weeks that have one (UTC)."""
    kept: set[datetime] = set()
    for days, bucket in ((daily, lambda m: m.date()), (weekly, lambda m: m.isocalendar()[:2])):
        newest: dict = {}
        for moment in sorted(moments, reverse=True):
            newest.setdefault(bucket(moment), moment)
        kept.update(sorted(newest.values(), reverse=True)[:days])
    return kept


def prune(directory: Path, daily: int, weekly: int) -> list[Path]:
    found = backups(directory)
    keep = to_keep(list(found), daily, weekly)
    gone = [path for moment, path in sorted(found.items()) if moment not in keep]
    for path in gone:
        path.unlink(missing_ok=True)
    return gone


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


@contextmanager
def running(url: str) -> Iterator[None]:
    """Held by a running bot (shared: several processes may run): `restore` then refuses."""
    database = sqlite_path(url)
    try:
        import fcntl
    except ImportError:  # Windows: no detection; the README says to stop the bot first
        fcntl = None
    if database is None or fcntl is None:
        yield
        return
    database.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path(database), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        yield


@contextmanager
def _stopped(database: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(lock_path(database), "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(f"the bot is running on {database}: stop it first") from None
        yield


def restore(source: Path, database: Path, now: datetime) -> tuple[Checked, Path | None]:
    """Put the checked backup `source` in place of `database` (the bot stopped); the database it
    replaces is kept beside it (returned). BackupError, and nothing changed, if anything is wrong."""
    checked = check(source)
    database.parent.mkdir(parents=True, exist_ok=True)
    with _stopped(database):
        aside = None
        if database.exists():
            aside = database.with_name(f"{database.name}.before-restore-{now.astimezone(timezone.utc):{STAMP}}")
            # through SQLite, so what is still in its -wal file comes along
            with closing(sqlite3.connect(database, timeout=30)) as live, closing(sqlite3.connect(aside)) as kept:
                live.backup(kept)
                live.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        temporary = database.with_name(f".{database.name}.restoring")
        try:
            with closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as src, \
                    closing(sqlite3.connect(temporary)) as dst:
                src.backup(dst)
            with open(temporary, "rb+") as written:
                os.fsync(written.fileno())
            # the old database's -wal and -shm would be replayed onto the new file: they go first
            for suffix in ("-wal", "-shm"):
                database.with_name(database.name + suffix).unlink(missing_ok=True)
            os.replace(temporary, database)
            _fsync_dir(database.parent)
        finally:
            temporary.unlink(missing_ok=True)
    return checked, aside

"""A migrated SQLite file with a year-two-sized CRM in it, built once and cached.

The cache is keyed by SEED_VERSION and the migration sources: change either and it is rebuilt.
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from db.migrate import MIGRATIONS, upgrade
from db.models import Client, ClientStatus, Interaction, Kind, Outcome, RefusalReason, Role, Status, Team, User
from db.repositories.clients import name_key
from tests.benchmarks import names

SEED_VERSION = 1
CACHE = Path(__file__).with_name(".cache")

# seeded data is relative to this moment, and the benchmark's clock starts here: the cache stays valid forever
ANCHOR = datetime(2026, 11, 27, 8, 0, tzinfo=timezone.utc)
MANAGERS = 50
TEAMS = ("Продажи Москва", "Продажи СПб", "Регионы Урал", "Регионы Сибирь", "Ключевые клиенты")
CLIENTS = 20_000
INTERACTIONS = 1_000_000
BATCH = 50_000
TG_BASE = 700_000_000  # manager n (0-based) has tg_id TG_BASE + n

_KINDS = (list(Kind), [25, 40, 10, 15, 3, 7])
_OUTCOMES = (list(Outcome), [20, 18, 10, 8, 26, 18])


@dataclass(frozen=True)
class SeededDb:
    path: Path
    seed_seconds: float | None  # None when the cached file was reused


def fingerprint() -> str:
    digest = hashlib.sha256(f"seed-v{SEED_VERSION}".encode())
    for source in sorted((MIGRATIONS / "versions").glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:12]


def manager_tg_ids() -> list[int]:
    return [TG_BASE + n for n in range(MANAGERS)]


def ensure(rebuild: bool = False) -> SeededDb:
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"ladon-1m-{fingerprint()}.db"
    if path.exists() and not rebuild:
        return SeededDb(path, None)
    for old in CACHE.glob("ladon-1m-*.db*"):
        old.unlink()
    building = path.with_suffix(".building")
    building.unlink(missing_ok=True)
    started = time.perf_counter()
    upgrade(f"sqlite+aiosqlite:///{building}")
    _fill(building)
    # a clean rollback-journal file with no -wal beside it: safe to copy per run
    with sqlite3.connect(building) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    building.rename(path)
    return SeededDb(path, time.perf_counter() - started)


def _fill(path: Path) -> None:
    rng = random.Random(20261127)
    engine = sa.create_engine(f"sqlite:///{path}")

    @sa.event.listens_for(engine, "connect")
    def _fast(dbapi_connection, _record) -> None:
        # one-off bulk load: a crash just means building again
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-400000", "foreign_keys=OFF"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    try:
        with engine.begin() as conn:
            conn.execute(sa.insert(Team), [{"id": i + 1, "name": n, "created_at": ANCHOR - timedelta(days=900)} for i, n in enumerate(TEAMS)])
            conn.execute(sa.insert(User), _users(rng))
            owners = [1 + rng.randrange(MANAGERS) for _ in range(CLIENTS)]
            conn.execute(sa.insert(Client), _clients(rng, owners))
            reasons = list(conn.scalars(sa.select(RefusalReason.id)))
            rows = _interactions(rng, owners, reasons)
            for start in range(0, len(rows), BATCH):
                conn.execute(sa.insert(Interaction), rows[start:start + BATCH])
    finally:
        engine.dispose()


def _users(rng: random.Random) -> list[dict]:
    return [
        {
            "id": n + 1,
            "tg_id": TG_BASE + n,
            "full_name": names.person(rng),
            "username": f"manager{n + 1}",
            "role": Role.MANAGER,
            "team_id": 1 + n % len(TEAMS),
            "timezone": "Europe/Moscow",
            # English, so the benchmark can tap the English labels the e2e tests use
            "language": "en",
            "is_active": True,
            "created_at": ANCHOR - timedelta(days=800 - n),
        }
        for n in range(MANAGERS)
    ]


def _clients(rng: random.Random, owners: list[int]) -> list[dict]:
    statuses = (list(ClientStatus), [30, 55, 15])
    rows = []
    for i, owner in enumerate(owners):
        name = names.company(rng, i)
        rows.append(
            {
                "id": i + 1,
                "name": name,
                "name_key": name_key(name),
                "inn": str(rng.randrange(10**9, 10**10)),
                "industry": rng.choice(("Строительство", "Торговля", "Производство", "Логистика", "IT", None)),
                "city": rng.choice(("Москва", "Санкт-Петербург", "Екатеринбург", "Новосибирск", "Казань", None)),
                "address": None,
                "owner_id": owner,
                "status": rng.choices(*statuses)[0],
                "notes": None,
                "created_at": ANCHOR - timedelta(days=760 * (1 - i / CLIENTS), minutes=rng.randrange(1440)),
            }
        )
    return rows


def _interactions(rng: random.Random, owners: list[int], reasons: list[int]) -> list[dict]:
    two_years = 730 * 24 * 60
    rows = []
    for _ in range(INTERACTIONS):
        client = 1 + int(CLIENTS * rng.random() ** 1.4)  # some clients are far busier than others
        row = {
            "client_id": client,
            "manager_id": owners[client - 1],
            "kind": rng.choices(*_KINDS)[0],
            "planned_at": None,
            "happened_at": None,
            "logged_at": None,
            "outcome": None,
            "refusal_reason_id": None,
            "amount_minor": None,
        }
        r = rng.random()
        if r < 0.88:
            happened = ANCHOR - timedelta(minutes=rng.randrange(30, two_years))
            outcome = rng.choices(*_OUTCOMES)[0]
            row.update(
                status=Status.DONE,
                happened_at=happened,
                logged_at=min(happened + timedelta(minutes=rng.randrange(180)), ANCHOR),
                outcome=outcome,
            )
            if outcome == Outcome.REFUSED:
                row["refusal_reason_id"] = rng.choice(reasons)
            elif outcome == Outcome.AGREED and rng.random() < 0.7:
                row["amount_minor"] = rng.randrange(10_000, 5_000_000) * 100
            if rng.random() < 0.4:  # it had been planned beforehand
                row["planned_at"] = happened - timedelta(minutes=rng.randrange(-120, 120))
            row["created_at"] = min(row["planned_at"] or happened, happened) - timedelta(days=rng.randrange(0, 10))
        else:
            if r < 0.95 and rng.random() < 0.5:  # upcoming
                planned = ANCHOR + timedelta(minutes=rng.randrange(60, 60 * 24 * 60))
            else:  # overdue and forgotten, or cancelled
                planned = ANCHOR - timedelta(minutes=rng.randrange(60, two_years))
            row.update(status=Status.PLANNED if r < 0.95 else Status.CANCELLED, planned_at=planned)
            row["created_at"] = min(planned - timedelta(days=rng.randrange(1, 15)), ANCHOR)
        rows.append(row)
    # ids follow time, as they would in a database that grew over two years
    rows.sort(key=lambda row: row["created_at"])
    return rows


if __name__ == "__main__":
    # run as a child by the benchmarks: the last line of output is for them
    import json
    import sys

    result = ensure(rebuild="--rebuild" in sys.argv[1:])
    print(json.dumps({"path": str(result.path), "seed_seconds": result.seed_seconds}))

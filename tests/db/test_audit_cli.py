"""`python -m bot audit verify`: OK with the count (exit 0), or the first bad entry and why (exit 1)."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import update

from bot.cli import main
from db.engine import create_engine, create_sessionmaker
from db.models import AuditEntry, AuditKind
from db.repositories.audit import AuditRepository
from tests.databases import SqliteTemplate, pg_url


@pytest.fixture
def url(template, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    if isinstance(template, SqliteTemplate):
        yield template.copy_to(tmp_path / "audit.db")
        return
    name = asyncio.run(template.create())
    try:
        yield pg_url(name)
    finally:
        asyncio.run(template.drop(name))


def _run(url: str, *statements) -> None:
    async def go():
        engine = create_engine(url)
        try:
            async with create_sessionmaker(engine)() as session:
                for statement in statements:
                    if statement == "append":
                        await AuditRepository(session).record(AuditKind.REFUSED, {"reason": "unknown"}, tg_id=42)
                    else:
                        await session.execute(statement)
                await session.commit()
        finally:
            await engine.dispose()

    asyncio.run(go())


def test_verify_says_ok_or_names_the_first_bad_entry(url, capsys) -> None:
    assert main(["audit", "verify", "--database-url", url]) == 0
    assert capsys.readouterr().out.startswith("OK: 0 audit entries")
    _run(url, *["append"] * 3)
    assert main(["audit", "verify", "--database-url", url]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: 3 audit entries, the chain is intact") and re.search(r"; head [0-9a-f]{64}\n$", out)
    _run(url, update(AuditEntry).where(AuditEntry.id == 2).values(what={"reason": "inactive"}))
    assert main(["audit", "verify", "--database-url", url]) == 1
    out = capsys.readouterr().out
    assert out.startswith("BROKEN: entry 2: edited: its fields do not match its hash (intact before it: 1;")


def test_verify_without_a_database_fails_and_creates_nothing(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "none" / "ladon.db"
    assert main(["audit", "verify", "--database-url", f"sqlite+aiosqlite:///{missing}"]) == 1
    assert "no such database file" in capsys.readouterr().err
    assert not missing.parent.exists()
    empty = tmp_path / "empty.db"
    empty.touch()  # a file, but never migrated
    assert main(["audit", "verify", "--database-url", f"sqlite+aiosqlite:///{empty}"]) == 1
    assert "cannot read the audit trail" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["audit", "--help"])
    assert exit_.value.code == 0 and "verify" in capsys.readouterr().out

"""The shape of the code that the README promises, checked: imports point down, reports compute
over what repositories return, handlers reach the database only through repositories, and a
router never imports another router's handlers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = ("bot", "handlers", "reports", "db")


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _offending(package: str, banned) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}: {name}"
        for path in _modules(package)
        for name in _imports(path)
        if banned(name)
    ]


def _top(name: str) -> str:
    return name.split(".")[0]


def test_db_imports_nothing_of_ours() -> None:
    assert _offending("db", lambda name: _top(name) in ("bot", "handlers", "reports")) == []


def test_reports_use_only_db_and_build_no_queries() -> None:
    """reports/ computes over what repositories return: no query builders, no Telegram types."""
    assert _offending("reports", lambda name: _top(name) in ("bot", "handlers", "sqlalchemy", "aiogram")) == []


def test_handlers_reach_the_database_only_through_repositories() -> None:
    assert _offending("handlers", lambda name: _top(name) == "sqlalchemy") == []


def _routers() -> set[str]:
    return {
        f"handlers.{path.stem}"
        for path in _modules("handlers")
        if any(isinstance(n, ast.FunctionDef) and n.name.startswith("setup") for n in ast.parse(path.read_text()).body)
    }


def test_routers_do_not_import_each_other() -> None:
    """Shared entry points and renderers live in modules without a router, which both sides use."""
    routers = _routers() - {"handlers.__init__"}
    assert len(routers) > 10  # the check sees the routers
    crossing = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in _modules("handlers")
        if f"handlers.{path.stem}" in routers
        for name in _imports(path)
        if any(name == r or name.startswith(r + ".") for r in routers - {f"handlers.{path.stem}"})
    ]
    assert crossing == []


@pytest.mark.parametrize("package", ["handlers", "reports"])
def test_nothing_but_the_transaction_commits(package: str) -> None:
    """Handlers and reports never commit or roll back: the update's transaction does (bot/transaction.py)."""
    calls = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in _modules(package)
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr in ("commit", "rollback")
    ]
    assert calls == []

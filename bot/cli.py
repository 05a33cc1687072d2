"""Command line: `python -m bot` (run), `python -m bot sandbox`, `python -m bot demo-data`,
`python -m bot audit verify`, `python -m bot backup` and `python -m bot restore FILE`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from pydantic import ValidationError

from bot.logs import setup_logging
from bot.settings import Settings

TOKEN_HELP = (
    "BOT_TOKEN is not set. Create a bot with @BotFather in Telegram, then put BOT_TOKEN=<token> "
    "into .env (see .env.example) or the environment. To try Ladon without a token: python -m bot sandbox"
)


def load_settings(**overrides) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        if any(err["loc"] == ("bot_token",) and err["type"] == "missing" for err in exc.errors()):
            print(TOKEN_HELP, file=sys.stderr)
        else:
            lines = "; ".join(f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
            print(f"Invalid settings: {lines}", file=sys.stderr)
        raise SystemExit(2) from None


def _positive(minimum: int):
    def parse(text: str) -> int:
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"at least {minimum}")
        return value

    return parse


def parser() -> argparse.ArgumentParser:
    from bot.demo_data import MIN_MANAGERS

    root = argparse.ArgumentParser(prog="python -m bot", description="Ladon, the CRM in Telegram")
    commands = root.add_subparsers(dest="command",
                                   metavar="{run,sandbox,demo-data,audit,backup,restore,scoring-report}")
    commands.add_parser("run", help="run the bot (the default)")
    commands.add_parser("sandbox", help="try the bot in the terminal, against a local Telegram emulator")
    demo = commands.add_parser(
        "demo-data", help="fill the database with a made-up company (never one that has users)",
        description="Fill the configured database (DATABASE_URL; migrated first) with a made-up company: two "
        "teams with heads, managers, clients with contact persons, months of contacts ending now, and six "
        "managers with a pattern planted for the heads' reports to find. Refuses a database that has users.",
    )
    demo.add_argument("--managers", type=_positive(MIN_MANAGERS), default=12,
                      help=f"how many managers (default 12, at least {MIN_MANAGERS}); about 65 clients each")
    demo.add_argument("--months", type=_positive(1), default=18, help="months of history (default 18)")
    demo.add_argument("--seed", type=int, default=1, help="the same seed and day give the same company (default 1)")
    demo.add_argument("--force", action="store_true", help="add the company even though the database has users")
    demo.add_argument("--database-url", help="instead of DATABASE_URL from the settings")
    audit = commands.add_parser("audit", help="check the audit trail")
    audit_commands = audit.add_subparsers(dest="audit_command", metavar="{verify}", required=True)
    verify = audit_commands.add_parser(
        "verify", help="walk the hash chain: OK with the count, or the first bad entry and why (exit code 1)",
        description="Walk the audit trail's hash chain from its first entry. Prints OK with the number of entries, "
        "or the first entry that was edited, removed or moved and why, and exits with 1.",
    )
    verify.add_argument("--database-url", help="instead of DATABASE_URL from the settings")
    backup = commands.add_parser(
        "backup", help="back the SQLite database up now, checked, into BACKUP_DIR (the bot may be running)",
        description="Copy the live SQLite database with VACUUM INTO (a consistent moment; the bot may keep "
        "running), check the copy (integrity, foreign keys, schema revision) and keep it as "
        "BACKUP_DIR/ladon-<UTC time>.db; then apply the retention. Exit code 1 if it failed. "
        "For PostgreSQL use pg_dump (see the README).",
    )
    backup.add_argument("--to", type=Path, help="write this file instead (outside BACKUP_DIR and its retention)")
    backup.add_argument("--database-url", help="instead of DATABASE_URL from the settings")
    restore = commands.add_parser(
        "restore", help="replace the SQLite database with a backup (the bot stopped)",
        description="Check FILE (integrity, foreign keys, a Ladon database at a schema revision this version "
        "knows), then put it in place of the SQLite database, keeping the database it replaces beside it "
        "as <name>.before-restore-<UTC time>. Refuses while the bot runs, and asks first unless --yes.",
    )
    restore.add_argument("file", type=Path, help="the backup to restore")
    restore.add_argument("--yes", action="store_true", help="replace the database without asking")
    restore.add_argument("--database-url", help="instead of DATABASE_URL from the settings")
    from bot.scoring_report import add_parser

    add_parser(commands)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "sandbox":
        from bot.sandbox import run_sandbox

        return asyncio.run(run_sandbox())
    if args.command == "demo-data":
        return demo_data(args)
    if args.command == "audit":
        return audit_verify(args)
    if args.command in ("backup", "restore"):
        return back_up(args) if args.command == "backup" else restore(args)
    if args.command == "scoring-report":
        from bot.scoring_report import main as scoring_report

        return scoring_report(args, load_settings(bot_token="0:scoring-report"))
    settings = load_settings()
    setup_logging(settings.log_level, settings.bot_token.get_secret_value())
    from bot.app import run_polling

    try:
        asyncio.run(run_polling(settings))
    except KeyboardInterrupt:
        pass
    return 0


def demo_data(args: argparse.Namespace) -> int:
    import time

    from sqlalchemy.engine import make_url

    from bot.demo_data import PATTERNS, DemoDataError, generate
    from db.base import utcnow
    from db.engine import create_engine, create_sessionmaker
    from db.migrate import upgrade
    from reports.workdays import WorkCalendar

    # the token is not needed to fill a database: a placeholder satisfies the settings
    settings = load_settings(bot_token="0:demo-data")
    url = args.database_url or settings.database_url
    shown = make_url(url).render_as_string(hide_password=True)
    started = time.perf_counter()
    upgrade(url)

    async def fill():
        engine = create_engine(url)
        try:
            return await generate(
                create_sessionmaker(engine), utcnow(), managers=args.managers, months=args.months, seed=args.seed,
                force=args.force, calendar=WorkCalendar.from_settings(settings),
            )
        finally:
            await engine.dispose()

    try:
        facts = asyncio.run(fill())
    except DemoDataError as exc:
        print(f"{shown}: {exc}", file=sys.stderr)
        return 1
    c = facts.counts
    print(
        f"Demo company added to {shown} in {time.perf_counter() - started:.1f} s (seed {facts.seed}, "
        f"history from {facts.start} to today):\n"
        f"  {c['teams']} teams, {c['heads']} heads, {c['managers']} managers, {c['clients']} clients, "
        f"{c['contact_persons']} contact persons\n"
        f"  {c['done']} contacts done ({c['agreed']} agreed, {c['amount_minor'] // 100:,} RUB), "
        f"{c['planned_ahead']} planned ahead, {c['planned_overdue']} overdue, {c['cancelled']} cancelled"
    )
    print("Planted patterns (name, Telegram id):")
    for pattern, user_id in facts.planted.items():
        extra = f", training on {facts.training_date}" if pattern == "trained" else ""
        print(f"  {facts.names[user_id]} ({facts.tg_ids[user_id]}): {PATTERNS[pattern]}{extra}")
    heads = ", ".join(f"{facts.names[h]} ({facts.tg_ids[h]})" for h in facts.head_ids)
    print(f"Heads: {heads}. The other managers are ordinary.")
    return 0


def audit_verify(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from db.engine import create_engine, create_sessionmaker
    from db.repositories.audit import AuditRepository

    settings = load_settings(bot_token="0:audit")  # reading the database needs no token
    url = args.database_url or settings.database_url
    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:") \
            and not Path(parsed.database).is_file():
        print(f"{shown}: no such database file", file=sys.stderr)  # rather than creating an empty one
        return 1

    async def check():
        engine = create_engine(url)
        try:
            async with create_sessionmaker(engine)() as session:
                return await AuditRepository(session).verify()
        finally:
            await engine.dispose()

    try:
        verdict = asyncio.run(check())
    except Exception as exc:  # no such database, not migrated: say so, do not pretend it is intact
        print(f"{shown}: cannot read the audit trail: {exc.__class__.__name__}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    if verdict.ok:
        print(f"OK: {verdict.count} audit entries, the chain is intact ({shown}); head {verdict.head}")
        return 0
    where = f"entry {verdict.bad_id}: " if verdict.bad_id is not None else ""
    print(f"BROKEN: {where}{verdict.why} (intact before it: {verdict.count}; {shown})")
    return 1


def _sqlite_database(args: argparse.Namespace) -> tuple[Settings, Path | None]:
    from db.backup import sqlite_path

    settings = load_settings(bot_token="0:backup")  # files only: no token needed
    database = sqlite_path(args.database_url or settings.database_url)
    if database is None:
        print("Only a SQLite database is backed up and restored by Ladon; for PostgreSQL use pg_dump and "
              "pg_restore (see the README).", file=sys.stderr)
    return settings, database


def back_up(args: argparse.Namespace) -> int:
    from db.backup import BackupError, make, prune
    from db.base import utcnow

    settings, database = _sqlite_database(args)
    if database is None:
        return 2
    try:
        made = make(database, settings.backup_dir, utcnow(), target=args.to)
    except BackupError as error:
        print(f"BACKUP FAILED: {error}", file=sys.stderr)
        return 1
    print(f"OK: {made.path} ({made.size / 1e6:.1f} MB), checked: integrity ok, schema revision {made.revision}")
    if args.to is None:
        for path in prune(settings.backup_dir, settings.backup_keep_daily, settings.backup_keep_weekly):
            print(f"removed by the retention: {path}")
    return 0


def restore(args: argparse.Namespace) -> int:
    from db.backup import BackupError, check
    from db.backup import restore as put_back
    from db.base import utcnow

    _settings, database = _sqlite_database(args)
    if database is None:
        return 2
    try:
        checked = check(args.file)
    except BackupError as error:
        print(f"REFUSED: {error}", file=sys.stderr)
        return 1
    print(f"{args.file}: integrity ok, a Ladon database at schema revision {checked.revision}.")
    if database.exists() and not args.yes:
        if not sys.stdin.isatty():
            print(f"REFUSED: {database} exists; add --yes to replace it (it is kept beside it).", file=sys.stderr)
            return 1
        answer = input(f"Replace {database} with it? The current one is kept beside it. Type yes: ")
        if answer.strip().lower() != "yes":
            print("Nothing changed.")
            return 1
    try:
        checked, aside = put_back(args.file, database, utcnow())
    except BackupError as error:
        print(f"REFUSED: {error}", file=sys.stderr)
        return 1
    if aside is not None:
        print(f"The database it replaced is kept as {aside}.")
    print(f"OK: {database} restored from {args.file}. The bot migrates it to this version at start-up; "
          "`python -m bot audit verify` checks its audit trail.")
    return 0

"""`python -m bot scoring-report`: how well the scoring model predicts accepted offers, judged on
a later period it was not trained on (ROC AUC, the Brier score against the base rate's, and a
calibration table), on the configured database or on a freshly generated demo company."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.scoring import epoch_days
from db.repositories.scoring import ScoringRepository
from reports.scoring import History

SUSPICIOUS_AUC = 0.95  # above this a feature probably knows the answer: a leak to find, not a success


def add_parser(commands) -> None:
    report = commands.add_parser(
        "scoring-report", help="how well the scoring model predicts accepted offers, on a later held-out period",
        description="Train the scoring model on the history up to a cutoff and judge it on what came after: "
        "ROC AUC, the Brier score against the base rate's, and a calibration table by deciles.",
    )
    report.add_argument("--holdout-months", type=int, default=3, help="the later period judged (default 3 months)")
    report.add_argument("--database-url", help="instead of DATABASE_URL from the settings")
    report.add_argument("--demo", action="store_true",
                        help="judge it on a demo company generated into a throwaway SQLite file instead")
    report.add_argument("--managers", type=int, default=12, help="demo: managers (default 12)")
    report.add_argument("--months", type=int, default=18, help="demo: months of history (default 18)")
    report.add_argument("--seed", type=int, default=1, help="demo: the seed (default 1)")
    report.add_argument("--now", type=datetime.fromisoformat,
                        help="demo: the moment its history ends (ISO, e.g. 2026-11-27T08:00+00:00; default now)")


async def evaluate_history(sessionmaker: async_sessionmaker[AsyncSession], now: datetime, holdout: timedelta):
    """The model trained before `now - holdout` and judged on the decisions since."""
    from reports.scoring_model import evaluate  # scikit-learn, only for the command

    async with sessionmaker() as session:
        repo = ScoringRepository(session)
        history = History(await repo.clients(), await repo.reasons())
        async for rows in repo.contacts():
            history.feed(rows)
    examples, _ = history.finish()
    today = epoch_days(now)
    return evaluate(examples, today - holdout.days, today + 1)


def render(evaluation, holdout_months: int) -> str:
    if evaluation is None:
        return "Not enough history: the training part or the held-out period lacks agreements or refusals."
    e = evaluation
    verdict = "suspiciously high: look for a feature that knows the answer" if e.auc > SUSPICIOUS_AUC else (
        "better than chance" if e.auc > 0.5 else "no better than chance")
    lines = [
        f"Trained on {e.trained_on} decisions; judged on the last {holdout_months} months' {e.tested_on} "
        f"({e.tested_accepted} accepted, {e.tested_accepted / e.tested_on:.1%}).",
        f"ROC AUC {e.auc:.3f} ({verdict})",
        f"Brier score {e.brier:.4f} against {e.base_brier:.4f} for the base rate {e.base_rate:.1%} "
        f"(skill {e.skill:.1%})",
        "Calibration (held-out decisions in tenths by predicted chance):",
        "  decisions  predicted  accepted",
    ]
    lines += [f"  {b.count:9d}  {b.predicted:9.1%}  {b.observed:8.1%}" for b in e.calibration]
    return "\n".join(lines)


def main(args: argparse.Namespace, settings) -> int:
    from db.engine import create_engine, create_sessionmaker
    from db.migrate import upgrade

    holdout = timedelta(days=round(args.holdout_months * 30.44))
    started = time.perf_counter()

    async def run(url: str, now: datetime, demo: bool):
        engine = create_engine(url)
        try:
            sessionmaker = create_sessionmaker(engine)
            if demo:
                from bot.demo_data import generate
                from reports.workdays import WorkCalendar

                await generate(sessionmaker, now, managers=args.managers, months=args.months, seed=args.seed,
                               calendar=WorkCalendar.from_settings(settings))
            return await evaluate_history(sessionmaker, now, holdout)
        finally:
            await engine.dispose()

    now = datetime.now(timezone.utc)
    if args.demo:
        now = (args.now or now).astimezone(timezone.utc)
        with tempfile.TemporaryDirectory(prefix="ladon-scoring-") as folder:
            url = f"sqlite+aiosqlite:///{Path(folder, 'demo.db').as_posix()}"
            upgrade(url)
            evaluation = asyncio.run(run(url, now, True))
        print(f"Demo company: {args.managers} managers, {args.months} months, seed {args.seed}, history to {now:%Y-%m-%d}.")
    else:
        evaluation = asyncio.run(run(args.database_url or settings.database_url, now, False))
    print(render(evaluation, args.holdout_months))
    print(f"({time.perf_counter() - started:.1f} s)")
    return 0 if evaluation is not None else 1

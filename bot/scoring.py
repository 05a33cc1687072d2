"""The nightly model of accepted offers: learn from the history, score every client with an open
plan, replace the scores (`reports/scoring.py` says what it learns and how).

It runs in a child process: reading a million contacts and fitting the model is seconds of CPU
that would otherwise hold the bot's event loop (and the GIL) and delay every update meanwhile. The
bot only polls a pipe. scikit-learn and numpy are imported by the child alone, so the bot's own
memory does not grow by them.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories.scoring import ScoringRepository
from reports.scoring import MIN_EACH, History, enough

log = logging.getLogger(__name__)
NIGHTLY_HOUR = 3  # local time of the company's default timezone
STALE_AFTER = timedelta(days=1)  # at start-up, older scores (or none) are computed again
POLL_SECONDS = 0.5
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class TrainingRun:
    """What a run did, in plain values (the bot unpickles it without importing scikit-learn)."""

    enough: bool  # the company had the minimum history; else nothing was scored
    agreed: int
    refused: int
    examples: int = 0
    scored: int = 0
    model: str | None = None
    auc: float | None = None  # on the last month, by a model trained on what came before it
    brier: float | None = None
    base_brier: float | None = None
    tested_on: int = 0
    seconds: float = 0.0
    peak_mb: float = 0.0  # the process's resident memory high-water mark
    phases: tuple[tuple[str, float], ...] = ()  # (what, seconds), in order


def epoch_days(moment: datetime) -> float:
    return (moment - _EPOCH).total_seconds() / 86400


async def train_and_score(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> TrainingRun:
    """The whole run on this event loop: for the child process, and for tests."""
    # here, not at the top: the bot imports this module, and only the child needs scikit-learn
    from reports.scoring_model import HOLDOUT_DAYS, evaluate, fit, score

    started = time.perf_counter()
    phases: list[tuple[str, float]] = []

    def phase(name: str) -> None:
        phases.append((name, time.perf_counter() - started - sum(s for _n, s in phases)))

    async with sessionmaker() as session:
        repo = ScoringRepository(session)
        agreed, refused = await repo.decisions()
        if not enough(agreed, refused):
            await repo.replace([], "", now)  # an old model's scores would outlive what they were learned from
            await session.commit()
            return TrainingRun(False, agreed, refused, seconds=time.perf_counter() - started, peak_mb=_peak_mb())
        clients = await repo.clients()
        reasons = await repo.reasons()
        plans = await repo.open_plans()
        history = History(clients, reasons, {p.client_id for p in plans})
        await _feed(repo, history)
    examples, finals = history.finish()
    phase("read and describe")
    today = epoch_days(now)
    evaluation = evaluate(examples, today - HOLDOUT_DAYS)
    phase("judge on the last month")
    model = fit(examples)
    phase("fit")
    scores = score(model, finals, plans, clients, today)
    phase("score")
    name = f"logit {now:%Y-%m-%d %H:%M} n={len(examples)}"
    async with sessionmaker() as session:
        await ScoringRepository(session).replace(scores, name, now)
        await session.commit()
    phase("write")
    return TrainingRun(
        True, agreed, refused, examples=len(examples), scored=len(scores), model=name,
        auc=evaluation.auc if evaluation else None, brier=evaluation.brier if evaluation else None,
        base_brier=evaluation.base_brier if evaluation else None,
        tested_on=evaluation.tested_on if evaluation else 0,
        seconds=time.perf_counter() - started, peak_mb=_peak_mb(), phases=tuple(phases),
    )


async def _feed(repo: ScoringRepository, history: History) -> None:
    """The contacts into `history`, the next batch fetched while this one is described (the
    database works in its driver's thread or on the server meanwhile)."""
    batches: asyncio.Queue = asyncio.Queue(maxsize=2)

    async def fetch() -> None:
        try:
            async for rows in repo.contacts():
                await batches.put(rows)
        except BaseException:
            while not batches.empty():  # of no use now: the reader is told at once
                batches.get_nowait()
            batches.put_nowait(None)
            raise
        await batches.put(None)

    fetching = asyncio.create_task(fetch())
    try:
        while (rows := await batches.get()) is not None:
            history.feed(rows)
    finally:
        if not fetching.done():
            fetching.cancel()
        await asyncio.gather(fetching, return_exceptions=True)
    fetching.result()  # a failed fetch fails the run (raised here)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _child(database_url: str, now: datetime, pipe) -> None:
    """The child process's entry: its own engine and event loop; the result or the error goes back."""
    from db.engine import create_engine, create_sessionmaker

    async def main() -> TrainingRun:
        engine = create_engine(database_url)
        try:
            return await train_and_score(create_sessionmaker(engine), now)
        finally:
            await engine.dispose()

    try:
        pipe.send(asyncio.run(main()))
    except BaseException as exc:  # noqa: BLE001 - told to the parent, which logs it
        pipe.send(f"{type(exc).__name__}: {exc}")
        raise
    finally:
        pipe.close()


async def run_in_child(database_url: str, now: datetime) -> TrainingRun:
    """train_and_score in a fresh process; cancelled, the process is stopped."""
    context = multiprocessing.get_context("spawn")  # never fork a process with an event loop and threads
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(database_url, now, sender), name="ladon-scoring", daemon=True)
    process.start()
    sender.close()
    try:
        while not receiver.poll():
            if not process.is_alive() and not receiver.poll():
                raise RuntimeError(f"the scoring process exited with code {process.exitcode} and no result")
            await asyncio.sleep(POLL_SECONDS)
        result = receiver.recv()
    finally:
        receiver.close()
        if process.is_alive():
            process.terminate()
        await asyncio.to_thread(process.join, 10)
    if isinstance(result, str):
        raise RuntimeError(f"scoring failed in its process: {result}")
    return result


class ScoringService:
    """The scheduler's jobs: the nightly run, and a run at start-up when the scores are missing or old."""

    def __init__(self, database_url: str, sessionmaker: async_sessionmaker[AsyncSession],
                 clock: Callable[[], datetime], timezone_name: str):
        self.database_url = database_url
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.timezone = timezone_name
        self._lock = asyncio.Lock()

    async def run(self) -> TrainingRun | None:
        async with self._lock:
            try:
                now = self.clock()
                async with self.sessionmaker() as session:
                    repo = ScoringRepository(session)
                    agreed, refused = await repo.decisions()
                    # below the minimum there is nothing to learn: no process is started for it
                    if not enough(agreed, refused):
                        await repo.replace([], "", now)
                        await session.commit()
                        log.info("Scoring: not enough history yet (%d agreed, %d refused; %d of each needed)",
                                 agreed, refused, MIN_EACH)
                        return TrainingRun(False, agreed, refused)
                run = await run_in_child(self.database_url, now)
            except Exception:  # the next night tries again; the old scores stay meanwhile
                log.exception("Scoring failed")
                return None
        _log_run(run)
        return run

    async def run_if_stale(self) -> TrainingRun | None:
        async with self.sessionmaker() as session:
            at = await ScoringRepository(session).computed_at()
        if at is not None and self.clock() - at < STALE_AFTER:
            return None
        return await self.run()


def _log_run(run: TrainingRun) -> None:
    if not run.enough:
        log.info("Scoring: not enough history yet (%d agreed, %d refused)", run.agreed, run.refused)
        return
    if run.auc is None:
        held_out = "no held-out month to judge it by"
    else:
        held_out = (f"on the last month's {run.tested_on} decisions: ROC AUC {run.auc:.3f}, "
                    f"Brier {run.brier:.3f} against {run.base_brier:.3f} for the base rate")
    log.info("Scoring: %s learned from %d decisions, %d clients scored; %s; %.1f s, peak %.0f MB",
             run.model, run.examples, run.scored, held_out, run.seconds, run.peak_mb)

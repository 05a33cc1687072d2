"""Flags and the call-back sample on the demo company: the manager who logs in late-night batches
is flagged and leaned on by the sample; the clean managers carry no flag."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.callbacks import AuditPlan, CallbackAudit
from bot.demo_data import generate
from db.models import CallbackCheck
from db.repositories.callbacks import CallbackRepository
from reports.dates import day_bounds, local_today
from reports.flags import Flag, assess, summaries

TZ = "Europe/Moscow"


async def test_the_night_logger_is_flagged_and_sampled_and_the_clean_managers_are_not_flagged(sessionmaker, clock) -> None:
    facts = await generate(sessionmaker, clock(), managers=8, months=1, seed=3)
    today = local_today(clock(), TZ)
    span = (day_bounds(today - timedelta(days=28), TZ)[0], day_bounds(today - timedelta(days=1), TZ)[1])
    async with sessionmaker() as session:
        repo = CallbackRepository(session, None)
        zones = {m.id: m.timezone for m in await repo.managers()}
        contacts, found = await assess(repo, zones, span)
    flagged = summaries(list(zones), contacts, found, span)
    night = flagged[facts.night_logger]
    assert night.flagged[Flag.NIGHT_BATCH] >= night.meetings // 2
    assert facts.clean and not any(flagged[m].any for m in facts.clean)

    audit = CallbackAudit(sessionmaker, TZ, AuditPlan())
    made = await audit.run_if_due(clock())
    assert made and await audit.run_if_due(clock()) == 0  # once a week
    async with sessionmaker() as session:
        checks = list(await session.scalars(select(CallbackCheck)))
    by_manager = {m: [c for c in checks if c.manager_id == m] for m in facts.manager_ids}
    assert all(len(mine) >= 2 for mine in by_manager.values())
    assert any("night_batch" in c.reasons for c in by_manager[facts.night_logger])
    assert not any(c.reasons for m in facts.clean for c in by_manager[m])
    assert len({c.interaction_id for c in checks}) == len(checks)

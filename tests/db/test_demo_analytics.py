"""The analytics find every pattern planted in the demo company, on the manager who carries it,
and flag none of the clean managers."""

from __future__ import annotations

from datetime import timedelta

from bot.demo_data import generate
from db.models import Role
from db.repositories import RefusalReasonRepository, UserRepository
from db.repositories.reports import ReportRepository
from reports.analytics import Coaching
from reports.dates import local_today
from reports.report import build
from reports.workdays import WorkCalendar

TZ = "Europe/Moscow"


async def test_the_analytics_find_the_planted_patterns_and_nothing_else(sessionmaker, clock) -> None:
    facts = await generate(sessionmaker, clock(), managers=9, months=12, seed=3)
    today = local_today(clock(), TZ)
    calendar = WorkCalendar("RU")
    async with sessionmaker() as session:
        admin = await UserRepository(session).create(tg_id=1, full_name="Admin", username=None, role=Role.ADMIN,
                                                      team_id=None, timezone=TZ, language="en")
        codes = {r.id: r.code for r in await RefusalReasonRepository(session).all()}
        repo = ReportRepository(session, admin)
        people = await repo.people()
        assert {p.id for p in people} == set(facts.manager_ids)
        report = await build(repo, people, facts.start, today - timedelta(days=1), today, TZ, calendar)
        clean = set(facts.clean)
        assert clean

        dominant = {m: codes[p.dominant] for m, p in report.reasons.items() if p.dominant is not None}
        assert dominant == {facts.budget_refuser: "budget", facts.uninterested_refuser: "not_interested"}

        share = {f.person.id: f.meeting_share for f in report.managers}
        assert share[facts.phoner] < 0.2 and min(share[m] for m in clean) > 2 * share[facts.phoner]

        batches = {m for m, d in report.discipline.items() if d.batched >= 10}
        assert batches == {facts.night_logger}

        verdicts = report.coaching
        assert verdicts[facts.star] == Coaching.MENTOR
        assert all(verdicts[m] in (Coaching.USUAL, Coaching.FEW) for m in clean)

        # the trained manager converts significantly better after the training date; clean ones do not
        before = await build(repo, people, facts.start, facts.training_date - timedelta(days=1), today, TZ, calendar)
        after = await build(repo, people, facts.training_date, today - timedelta(days=1), today, TZ, calendar)

        def rose(manager: int) -> bool:
            old = next(f for f in before.managers if f.person.id == manager).interval
            new = next(f for f in after.managers if f.person.id == manager).interval
            return new[0] > old[1]

        assert rose(facts.trained)
        assert not any(rose(m) for m in clean)

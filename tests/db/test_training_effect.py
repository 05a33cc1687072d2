"""A training measured on the demo company: the planted effect is found on the trained manager, and
a clean manager said to have trained the same day shows no measurable change. Who may record and
read a training is scoped by role."""

from __future__ import annotations

from datetime import date

import pytest

from bot.demo_data import generate
from db.models import Role, User
from db.repositories import AccessDenied, NotFound, UserRepository
from db.repositories.reports import ReportRepository
from db.repositories.trainings import TrainingRepository
from reports.dates import local_today
from reports.training import Metric, Verdict, evaluate, windows
from reports.workdays import WorkCalendar

TZ = "Europe/Moscow"


async def _effect(session, actor: User, training_id: int, today: date):
    repo = TrainingRepository(session, actor)
    info = await repo.get(training_id)
    found = windows(info.day, today)
    others = await repo.comparison(training_id, found.before[0], found.after[1])
    effect = await evaluate(ReportRepository(session, actor), info.day, [p.id for p in info.participants], others,
                            today, TZ, WorkCalendar("RU"))
    return info, others, effect


async def test_the_planted_training_effect_is_found_and_a_clean_manager_shows_none(sessionmaker, clock) -> None:
    facts = await generate(sessionmaker, clock(), managers=9, months=12, seed=3)
    today = local_today(clock(), TZ)
    async with sessionmaker() as session:
        admin = await UserRepository(session).create(tg_id=1, full_name="Admin", username=None, role=Role.ADMIN,
                                                      team_id=None, timezone=TZ, language="en")
        repo = TrainingRepository(session, admin)
        trained = await repo.record(facts.training_date, "Handling objections", [facts.trained], clock())
        clean = next(m for m in facts.clean if m != facts.trained)
        control = await repo.record(facts.training_date, "The same, said of a clean manager", [clean], clock())
        await session.commit()

        _info, others, effect = await _effect(session, admin, trained.id, today)
        assert facts.trained not in others and clean not in others  # someone trained then is no yardstick
        assert others and effect.others == len(others)
        conversion = effect.people[facts.trained][Metric.CONVERSION]
        assert conversion.verdict == Verdict.IMPROVED
        assert conversion.before < 0.1 < 0.15 < conversion.after  # planted: 7% before, 20% after
        assert conversion.low > 0 and conversion.p < 0.05

        _info, _others, effect = await _effect(session, admin, control.id, today)
        assert {e.verdict for e in effect.people[clean].values()} == {Verdict.NO_CHANGE}


async def test_heads_record_for_their_team_and_managers_read_only_their_own(sessionmaker, clock) -> None:
    facts = await generate(sessionmaker, clock(), managers=9, months=12, seed=3)
    async with sessionmaker() as session:
        users = {i: await session.get(User, i) for i in (*facts.head_ids, *facts.manager_ids)}
        head = users[facts.head_ids[0]]
        mine = [m for m in facts.manager_ids if users[m].team_id == head.team_id]
        theirs = [m for m in facts.manager_ids if users[m].team_id != head.team_id]
        repo = TrainingRepository(session, head)
        assert {p.id for p in await repo.candidates()} == set(mine)
        with pytest.raises(NotFound):  # another team's manager: nothing is written
            await repo.record(facts.training_date, "Mixed", [mine[0], theirs[0]], clock())
        with pytest.raises(ValueError):
            await repo.record(facts.training_date, " " * 5, [mine[0]], clock())
        training = await repo.record(facts.training_date, "Ours", mine[:2], clock())
        await session.commit()

        other_head = TrainingRepository(session, users[facts.head_ids[1]])
        assert await other_head.recent(limit=10) == ([], 0)
        with pytest.raises(NotFound):
            await other_head.get(training.id)
        with pytest.raises(NotFound):
            await other_head.comparison(training.id, facts.start, facts.training_date)

        participant = TrainingRepository(session, users[mine[0]])
        [item], total = await participant.recent(limit=10)
        assert total == 1 and item.participants == 1  # the colleague who also took part is not counted to them
        assert [p.id for p in (await participant.get(training.id)).participants] == [mine[0]]
        with pytest.raises(AccessDenied):
            await participant.record(facts.training_date, "Mine", [mine[0]], clock())
        assert await participant.candidates() == []
        bystander = TrainingRepository(session, users[mine[2]])
        with pytest.raises(NotFound):
            await bystander.get(training.id)
        others = await participant.comparison(training.id, facts.start, facts.training_date)
        assert set(others) == set(mine[2:])  # the team's managers who did not take part

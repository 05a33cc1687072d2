"""The scoring model on the demo company: the planted signal is learned and holds on a later
period it was not trained on; the nightly run scores every client with an open plan, replaces the
scores, and says nothing below the minimum history; people see only their scope's scores."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.demo_data import generate
from bot.scoring import ScoringService, run_in_child, train_and_score
from bot.scoring_report import SUSPICIOUS_AUC, evaluate_history
from db.models import ClientScore, Interaction, Kind, Outcome, Role, Status, User
from db.repositories import ClientRepository, InteractionRepository, UserRepository
from db.repositories.scoring import ScoreRepository, ScoringRepository

HOLDOUT = timedelta(days=91)


async def _scores(sessionmaker) -> dict[int, ClientScore]:
    async with sessionmaker() as session:
        return {s.client_id: s for s in await session.scalars(select(ClientScore))}


async def test_the_planted_signal_holds_on_the_last_three_months(sessionmaker, clock) -> None:
    await generate(sessionmaker, clock(), managers=12, months=18, seed=1)
    result = await evaluate_history(sessionmaker, clock(), HOLDOUT)
    assert result is not None and result.tested_on > 700 and result.trained_on > 3000
    assert 0.75 <= result.auc < SUSPICIOUS_AUC
    assert result.brier < 0.85 * result.base_brier
    predicted = sum(b.count * b.predicted for b in result.calibration) / result.tested_on
    assert abs(predicted - result.tested_accepted / result.tested_on) < 0.05
    assert [b.predicted for b in result.calibration] == sorted(b.predicted for b in result.calibration)
    assert result.calibration[0].observed < 0.1 < 0.6 < result.calibration[-1].observed


async def test_the_nightly_run_scores_every_open_plan_and_replaces_the_scores(sessionmaker, db_url, clock) -> None:
    facts = await generate(sessionmaker, clock(), managers=7, months=6, seed=2)
    async with sessionmaker() as session:
        planned = set(await session.scalars(select(Interaction.client_id).where(Interaction.status == Status.PLANNED)))
    run = await train_and_score(sessionmaker, clock())
    assert run.enough and run.examples > 500 and run.scored == len(planned)
    assert run.auc is not None and 0.6 < run.auc < SUSPICIOUS_AUC and run.tested_on > 50
    scores = await _scores(sessionmaker)
    assert set(scores) == planned
    assert all(0 < s.probability < 1 and 0 < len(s.reasons) <= 3 and s.model == run.model for s in scores.values())
    assert len({round(s.probability, 2) for s in scores.values()}) > 20

    clock.advance(days=1)
    again = await run_in_child(db_url, clock())  # the bot's way: a process of its own
    assert again.enough and again.scored == run.scored and again.model != run.model and again.peak_mb > 0
    scores = await _scores(sessionmaker)
    assert set(scores) == planned and {s.model for s in scores.values()} == {again.model}

    async with sessionmaker() as session:
        users = {u.id: u for u in await session.scalars(select(User))}
        manager = users[facts.manager_ids[0]]
        mine = ScoreRepository(session, manager)
        best = await mine.best(3)
        assert len(best) == 3 and [b.probability for b in best] == sorted((b.probability for b in best), reverse=True)
        open_plans = set(await session.scalars(
            select(Interaction.client_id).where(Interaction.manager_id == manager.id, Interaction.status == Status.PLANNED)))
        assert {b.client_id for b in best} <= open_plans
        assert max(scores[c].probability for c in open_plans) == best[0].probability
        theirs = next(c for c in planned - open_plans)
        assert await mine.of_client(theirs) is None  # another manager's client: not theirs to see
        assert (await mine.of_client(best[0].client_id)).probability == best[0].probability
        head = ScoreRepository(session, users[facts.head_ids[0]])
        assert await head.any() and await head.of_client(best[0].client_id) is not None


async def test_below_the_minimum_history_nobody_is_scored(sessionmaker, db_url, clock) -> None:
    async with sessionmaker() as session:
        user = await UserRepository(session).create(tg_id=5, full_name="Anna", username=None, role=Role.MANAGER,
                                                     team_id=None, timezone="Europe/Moscow", language="en")
        client = await ClientRepository(session, user).create("Vector")
        repo = InteractionRepository(session, user)
        for n in range(60):
            await repo.log(now=clock() - timedelta(days=n + 1), client_id=client.id, kind=Kind.MEETING,
                           outcome=Outcome.AGREED if n % 2 else Outcome.REFUSED,
                           reason_id=None if n % 2 else 1)
        await repo.plan(client_id=client.id, kind=Kind.CALL, planned_at=clock() + timedelta(days=1))
        # a score left from an earlier model must not outlive it
        await ScoringRepository(session).replace([{"client_id": client.id, "probability": 0.5, "reasons": []}], "old", clock())
        await session.commit()
    service = ScoringService(db_url, sessionmaker, clock, "Europe/Moscow")
    run = await service.run()  # 30 of each: below the minimum, so no process is even started
    assert run is not None and not run.enough and (run.agreed, run.refused) == (30, 30)
    assert await _scores(sessionmaker) == {}
    async with sessionmaker() as session:
        assert not await ScoreRepository(session, user).any()
        assert await session.scalar(select(func.count()).select_from(ClientScore)) == 0
    assert not (await train_and_score(sessionmaker, clock())).enough


async def test_at_start_up_it_runs_only_when_the_scores_are_missing_or_a_day_old(sessionmaker, db_url, clock) -> None:
    service = ScoringService(db_url, sessionmaker, clock, "Europe/Moscow")
    runs = []

    async def run():
        runs.append(clock())

    service.run = run
    await service.run_if_stale()  # no scores at all
    async with sessionmaker() as session:
        client = await ClientRepository(session, await UserRepository(session).create(
            tg_id=5, full_name="Anna", username=None, role=Role.MANAGER, team_id=None, timezone="Europe/Moscow",
            language="en")).create("Vector")
        await ScoringRepository(session).replace([{"client_id": client.id, "probability": 0.5, "reasons": []}], "m", clock())
        await session.commit()
    clock.advance(hours=23)
    await service.run_if_stale()  # fresh enough
    clock.advance(hours=2)
    await service.run_if_stale()
    assert len(runs) == 2


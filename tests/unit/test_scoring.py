"""The scoring model on constructed histories whose answer is known: features see only what came
before each contact, the model beats the base rate on a later period, a label hidden after the
contact is not found, and the reasons name what pulls."""

from __future__ import annotations

import random

import pytest

from bot.scheduler import create_scheduler
from bot.scoring import ScoringService
from db.repositories.scoring import OpenPlan
from reports.scoring import FEATURES, ClientHistory, History, enough
from reports.scoring_model import evaluate, fit, score

REASONS = {1: "has_supplier", 2: "price"}


def _examples(rows, clients=None) -> dict[tuple[int, float], dict[str, str]]:
    """(client, day) -> the features of the decision then."""
    history = History(clients or {}, REASONS)
    history.feed(rows)
    examples, _ = history.finish()
    return {(examples.client[i], examples.day[i]): examples.values(i) for i in range(len(examples))}


def _values(rows, clients=None) -> list[dict[str, str]]:
    return list(_examples(rows, clients).values())


def test_an_example_sees_only_the_contacts_before_it() -> None:
    rows = [  # (client, day, kind, outcome, reason, manager)
        (7, 0.0, "meeting", "thinking", None, 3),
        (7, 10.0, "call", "refused", 1, 3),
        (7, 20.0, "meeting", "agreed", None, 3),
        (7, 25.0, "call", "refused", 2, 3),
        (7, 26.0, "email", "no_answer", None, 3),
        (7, 200.0, "meeting", "agreed", None, 4),
    ]
    first, second, third, fourth = _values(rows, {7: ("retail", "Tula")})
    assert first == {
        "kind": "call", "industry": "retail", "city": "Tula", "manager": "3", "last_agreed": "none",
        "refused_before": "0", "meetings_before": "1", "last_outcome": "thinking", "last_refusal": "none",
        "silence": "8-30", "month": "1",
    }
    assert (second["last_outcome"], second["last_refusal"], second["refused_before"]) == ("refused", "has_supplier", "1")
    assert (third["last_agreed"], third["last_outcome"], third["meetings_before"], third["silence"]) == ("0-90", "agreed", "2", "0-7")
    assert (fourth["last_agreed"], fourth["refused_before"], fourth["last_outcome"], fourth["silence"]) == ("91-365", "2+", "no_answer", "90+")
    assert fourth["manager"] == "4" and fourth["month"] == "7"


def test_an_example_does_not_change_with_what_came_after_it() -> None:
    rng = random.Random(5)
    rows = sorted(
        (client, float(day), rng.choice(("meeting", "call")), rng.choice(("agreed", "refused", "thinking", "no_answer")),
         1, rng.randrange(3))
        for client in range(1, 30) for day in rng.sample(range(400), 12)
    )
    everything = _examples(rows)
    for cut in (40, 150, 300):  # the history as it stood on day `cut`: the decisions before are described alike
        before = _examples([r for r in rows if r[1] < cut])
        assert before and all(everything[key] == values for key, values in before.items())
    # a client's first contact knows nothing of its own outcome
    for client in range(1, 30):
        first = min(r for r in rows if r[0] == client)
        if first[3] in ("agreed", "refused"):
            assert everything[(client, first[1])]["last_outcome"] == "none"
            assert everything[(client, first[1])]["last_agreed"] == "none"


def test_rows_must_come_client_by_client() -> None:
    history = History({}, REASONS)
    with pytest.raises(ValueError):
        history.feed([(1, 0.0, "call", "agreed", None, 1), (2, 1.0, "call", "agreed", None, 1),
                      (1, 2.0, "call", "agreed", None, 1)])


def _company(seed: int, *, leak: bool = False):
    """Clients in two industries with a known pull (food says yes 3:1, steel 1:3), a recent
    agreement adding to it; `leak`: labels are coin flips and a later contact betrays each one."""
    rng = random.Random(seed)
    rows, clients = [], {}
    for client in range(1, 600):
        industry = rng.choice(("food", "steel"))
        clients[client] = (industry, "Tula")
        day, agreed_at = rng.uniform(0, 30), None
        while day < 720:
            kind = rng.choice(("meeting", "call"))
            if leak:
                accepted = rng.random() < 0.4
            else:
                odds = (3 if industry == "food" else 1 / 3) * (4 if agreed_at is not None and day - agreed_at < 90 else 1)
                accepted = rng.random() < odds / (1 + odds)
            rows.append((client, day, kind, "agreed" if accepted else "refused", 2, client % 5))
            if leak:  # the day after: a contact whose kind tells the outcome
                rows.append((client, day + 1, "email" if accepted else "message", "no_answer", None, client % 5))
            agreed_at = day if accepted else agreed_at
            day += rng.uniform(10, 120)
    history = History(clients, REASONS)
    history.feed(sorted(rows, key=lambda r: (r[0], r[1])))
    examples, _ = history.finish()
    return examples, clients


def test_the_model_beats_the_base_rate_on_a_later_period() -> None:
    examples, _ = _company(1)
    result = evaluate(examples, cutoff=540)
    assert result is not None and result.tested_on > 300 and result.trained_on > 1000
    assert result.brier < result.base_brier and result.skill > 0.1
    assert 0.7 < result.auc < 0.95
    assert sum(b.count for b in result.calibration) == result.tested_on and len(result.calibration) == 10
    # calibrated: within each tenth the predicted chance is near what happened
    assert all(abs(b.predicted - b.observed) < 0.15 for b in result.calibration)


def test_a_label_told_only_after_the_contact_is_not_learned() -> None:
    examples, _ = _company(2, leak=True)
    result = evaluate(examples, cutoff=540)
    assert result is not None and result.auc < 0.6  # coin flips stay coin flips


def test_no_judgement_below_the_minimum_history() -> None:
    assert not enough(49, 500) and not enough(500, 49) and enough(50, 50)
    examples, _ = _company(3)
    assert evaluate(examples, cutoff=5) is None  # nothing to train on before day 5


def test_scores_and_their_reasons() -> None:
    examples, clients = _company(4)
    model = fit(examples)
    good = ClientHistory(meetings=2, last_agreed=700.0, last_outcome="agreed", last_day=700.0)
    histories = {1: good, 2: ClientHistory(refused=3, last_outcome="refused", last_refusal="price", last_day=650.0)}
    clients = {1: ("food", "Tula"), 2: ("steel", "Tula")}
    plans = [OpenPlan(1, 1, "meeting", 710.0), OpenPlan(2, 2, "call", 700.0), OpenPlan(3, 1, "call", 690.0)]
    scored = {s["client_id"]: s for s in score(model, histories, plans, clients, today=705.0)}
    assert set(scored) == {1, 2, 3}  # a client with no history yet is scored as such
    assert scored[1]["probability"] > 0.8 > 0.3 > scored[2]["probability"]
    first = scored[1]["reasons"]
    assert 1 <= len(first) <= 3 and {r["f"] for r in first} <= set(FEATURES)
    assert first[0]["pull"] > 0 and {"industry", "last_agreed"} <= {r["f"] for r in first}
    assert {"f": "industry", "v": "steel"} in [{k: r[k] for k in ("f", "v")} for r in scored[2]["reasons"]]
    assert all(r["pull"] < 0 for r in scored[2]["reasons"] if r["f"] == "industry")
    pulls = [abs(r["pull"]) for r in first]
    assert pulls == sorted(pulls, reverse=True)


def test_the_scheduler_retrains_at_night_and_catches_up_at_start() -> None:
    service = ScoringService("sqlite+aiosqlite:///unused.db", None, None, "Asia/Yekaterinburg")
    scheduler = create_scheduler(object(), 30, scoring=service)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    nightly = jobs["scoring"].trigger
    assert str(nightly.timezone) == "Asia/Yekaterinburg" and str(nightly.fields[5]) == "3"  # the hour field
    assert jobs["scoring-at-start"].func == service.run_if_stale

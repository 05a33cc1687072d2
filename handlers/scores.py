"""The nightly model's scores as people read them: a line on the client card, and the best next
contacts in the morning plan. The reasons come stored as (feature, value, pull); here they become
words in the reader's language."""

from __future__ import annotations

import html
from typing import Any

from aiogram.utils.i18n import gettext as _

from db.models import Kind, Outcome, RefusalReason, User
from db.repositories import Repos
from db.repositories.scoring import BestPlan
from handlers import labels
from reports.formatting import when
from reports.scoring import NONE

BEST_SHOWN = 3
_KINDS = {k.value: k for k in Kind}
_OUTCOMES = {o.value: o for o in Outcome}


def percent(probability: float) -> str:
    # never 0% or 100%: it is a chance, not a verdict
    return f"{min(99, max(1, round(probability * 100)))}%"


def _well(pull: float, well: str, poorly: str) -> str:
    return well if pull > 0 else poorly


def reason(item: dict[str, Any]) -> str:
    """One stored reason in words."""
    feature, value, pull = item.get("f"), str(item.get("v")), float(item.get("pull", 0))
    match feature:
        case "kind":
            return _("next step: {kind}").format(kind=labels.kind(_KINDS[value])) if value in _KINDS else _("the kind of contact")
        case "industry" if value in (NONE, "None", ""):  # the client has none recorded
            return _well(pull, _("clients with no industry recorded often agree"),
                         _("clients with no industry recorded seldom agree"))
        case "industry":
            return _well(pull, _("{industry}: clients often agree"), _("{industry}: clients seldom agree")).format(
                industry=html.escape(value))
        case "city" if value in (NONE, "None", ""):
            return _well(pull, _("clients with no city recorded often agree"), _("clients with no city recorded seldom agree"))
        case "city":
            return _well(pull, _("{city}: clients often agree"), _("{city}: clients seldom agree")).format(
                city=html.escape(value))
        case "manager":
            return _well(pull, _("this manager's offers are often accepted"), _("this manager's offers are seldom accepted"))
        case "last_agreed":
            return {
                "none": _("has not agreed yet"), "0-90": _("agreed within the last 3 months"),
                "91-365": _("agreed 3 to 12 months ago"), "365+": _("agreed over a year ago"),
            }.get(value, _("agreed before"))
        case "refused_before":
            return {"0": _("never refused"), "1": _("refused once")}.get(value, _("refused more than once"))
        case "meetings_before":
            return {"0": _("no meetings yet"), "1": _("one meeting so far")}.get(
                value, _("{count} meetings so far").format(count=value.replace("-", "–")))
        case "last_outcome":
            if value in _OUTCOMES:
                return _("last time: {outcome}").format(outcome=labels.outcome(_OUTCOMES[value]))
            return _("first contact")
        case "last_refusal":
            if value == "none":
                return _("no refusals so far")
            # a built-in reason is stored by its code, an admin's own by its title
            return _("refused before: {reason}").format(reason=html.escape(labels.reason(RefusalReason(code=value))))
        case "silence":
            return {
                "none": _("no contact yet"), "0-7": _("in touch this week"), "8-30": _("last contact 1 to 4 weeks ago"),
                "31-90": _("no contact for over a month"), "90+": _("no contact for over 3 months"),
            }.get(value, _("time since the last contact"))
        case "month":
            return _well(pull, _("a good season for it"), _("a slow season"))
    return html.escape(f"{feature}: {value}")


def reasons(items: list[dict[str, Any]], limit: int = 3) -> str:
    return "; ".join(reason(item) for item in items[:limit])


def main_reason(items: list[dict[str, Any]]) -> str | None:
    """What lifts a good chance most (the strongest pull up), else the strongest of any."""
    ups = [item for item in items if float(item.get("pull", 0)) > 0]
    chosen = ups[0] if ups else (items[0] if items else None)
    return reason(chosen) if chosen else None


async def card_line(repos: Repos, client_id: int, has_next_step: bool) -> str | None:
    """The client card's line on the chance of the next offer; None with nothing to say."""
    score = await repos.scores.of_client(client_id)
    if score is not None:
        why = reasons(score.reasons)
        line = _("📈 Chance the next offer is accepted: {percent}").format(percent=percent(score.probability))
        return f"{line} ({why})" if why else line
    if not has_next_step:
        return None
    if not await repos.scores.any():
        return _("📈 Chance the next offer is accepted: not enough history yet to judge")
    return _("📈 Chance the next offer is accepted: judged overnight")  # a step planned since the last run


async def best_block(repos: Repos, user: User, locale: str) -> list[str]:
    """The morning plan's "best next contacts": the person's open plans likeliest to end in a yes."""
    best: list[BestPlan] = await repos.scores.best(BEST_SHOWN)
    if not best:
        return []
    lines = [_("⭐ <b>Best next contacts</b>")]
    for n, plan in enumerate(best, 1):
        line = f"{n}. <b>{html.escape(plan.client_name)}</b> · {when(plan.planned_at, user.timezone, locale)} · {percent(plan.probability)}"
        why = main_reason(plan.reasons)
        lines.append(f"{line} ({why})" if why else line)
    return lines

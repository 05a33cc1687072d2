"""What the bot's own messages need, gathered from repositories: the evening's open contacts of many
people at once, and the brief before a meeting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from db.models import Client, Interaction, Status, User
from db.repositories import NotFound, Repos
from db.repositories.reminders import ReminderRepository
from reports.dates import day_bounds, local_today


@dataclass(frozen=True)
class EveningInputs:
    open_items: list[Interaction]
    logged: int


async def evening_inputs(repo: ReminderRepository, users: list[User], now: datetime) -> dict[int, EveningInputs]:
    """For many people in a few queries (one pair per timezone): today's contacts still open, and
    how many each logged today."""
    zones: dict[str, list[int]] = {}
    for user in users:
        zones.setdefault(user.timezone, []).append(user.id)
    inputs: dict[int, EveningInputs] = {}
    for tz, ids in zones.items():
        start, end = day_bounds(local_today(now, tz), tz)
        open_items, logged = await repo.open_and_logged(ids, start, end)
        for user_id in ids:
            inputs[user_id] = EveningInputs(open_items.get(user_id, []), logged.get(user_id, 0))
    return inputs


@dataclass(frozen=True)
class MeetingBrief:
    item: Interaction
    client: Client  # with its contact persons
    last: Interaction | None  # the client's latest done contact


async def meeting_brief(repos: Repos, interaction_id: int, key: str) -> MeetingBrief | None:
    """The brief for a meeting reminder; None when the reminder no longer applies: the contact is
    gone, done, or moved to another time than the one the reminder (its `key`) was made for."""
    try:
        item = await repos.interactions.get(interaction_id)
    except NotFound:
        return None
    if item.status != Status.PLANNED or f":{int(item.planned_at.timestamp())}" not in key:
        return None
    client = await repos.clients.card(item.client_id)
    history, _total = await repos.interactions.history(item.client_id, 5)
    return MeetingBrief(item, client, next((i for i in history if i.status == Status.DONE), None))

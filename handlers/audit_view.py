"""The audit trail in words, for /audit: one line per entry (local time, who, what), names looked up
as they are now. An entry's details are ids and short parameters; anything unexpected in them
(an older shape, a name gone) is shown plainly rather than failing the page."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from babel.dates import format_datetime

from db.models import AuditKind, CallbackMark, Role
from db.repositories.audit import Line
from handlers import labels
from handlers.report_view import period_title
from reports.formatting import month_name, to_local

NAME_SHOWN = 40  # of a name on a line

KINDS = {
    AuditKind.CARD: __("📇 Cards"),
    AuditKind.SEARCH: __("🔎 Searches"),
    AuditKind.REPORT: __("📊 Reports"),
    AuditKind.EXPORT: __("📥 Exports"),
    AuditKind.IMPORT: __("📤 Imports"),
    AuditKind.PLAN: __("🎯 Plans"),
    AuditKind.TRAINING: __("🎓 Trainings"),
    AuditKind.ROLE: __("👑 Roles"),
    AuditKind.ACCESS: __("🔑 Access"),
    AuditKind.HANDOVER: __("📦 Hand-overs"),
    AuditKind.INVITE: __("✉️ Invites"),
    AuditKind.REFUSED: __("🚫 Refused"),
    AuditKind.LIMIT: __("⛔ Limits"),
    AuditKind.VERIFY: __("📞 Call-back checks"),
    AuditKind.LOCATION: __("📍 Client locations"),
}


_MARKS = {
    CallbackMark.CONFIRMED: __("confirmed"),
    CallbackMark.NOT_HAPPENED: __("did not happen"),
    CallbackMark.UNREACHABLE: __("could not reach the client"),
}


def kind_label(kind: AuditKind) -> str:
    return str(KINDS.get(kind, kind.value))


def _short(name: str) -> str:
    return html.escape(name if len(name) <= NAME_SHOWN else name[: NAME_SHOWN - 1] + "…")


class Names:
    """Current names of what a page's entries point at: clients, users, teams (by id)."""

    def __init__(self, clients: dict[int, str], users: dict[int, str], teams: dict[int, str]):
        self.clients, self.users, self.teams = clients, users, teams

    @staticmethod
    def wanted(lines: list[Line]) -> tuple[set[int], set[int], set[int]]:
        clients, users, teams = set(), set(), set()
        for line in lines:
            w = line.what
            for key, bucket in (("client", clients), ("user", users), ("from", users), ("to", users), ("by", users),
                                ("manager", users),
                                ("team", teams)):
                if isinstance(w.get(key), int):
                    bucket.add(w[key])
            if line.kind in (AuditKind.REPORT, AuditKind.EXPORT) and isinstance(w.get("id"), int):
                (teams if w.get("scope") == "team" else users).add(w["id"])
        return clients, users, teams

    def client(self, client_id: Any) -> str:
        return _short(self.clients[client_id]) if client_id in self.clients else f"#{client_id}"

    def user(self, user_id: Any) -> str:
        return _short(self.users[user_id]) if user_id in self.users else f"#{user_id}"

    def team(self, team_id: Any) -> str:
        return _short(self.teams[team_id]) if team_id in self.teams else f"#{team_id}"


def who(line: Line) -> str:
    if line.actor_name is not None:
        return _short(line.actor_name)
    name = line.what.get("name") if line.kind == AuditKind.REFUSED else None
    tg = _("Telegram id {id}").format(id=line.actor_tg_id) if line.actor_tg_id else _("the system")
    return f"{_short(name)} ({tg})" if isinstance(name, str) and name else tg


def _role(value: Any) -> str:
    return labels.role(Role(value)).lower() if value in Role._value2member_map_ else str(value)


def _month(value: Any, locale: str) -> str:
    try:
        year, month = str(value).split("-")
        return month_name(date(int(year), int(month), 1), locale)
    except ValueError:
        return html.escape(str(value))


def _report(w: dict[str, Any], names: Names, locale: str) -> tuple[str, str]:
    scope = w.get("scope")
    whom = {"me": _("their own"), "all": _("everyone")}.get(scope)
    if whom is None:
        whom = _("team {name}").format(name=names.team(w.get("id"))) if scope == "team" else names.user(w.get("id"))
    try:
        period = period_title(date.fromisoformat(w["from"]), date.fromisoformat(w["to"]), locale)
    except (KeyError, TypeError, ValueError):
        period = "?"
    return whom, period


def what(line: Line, names: Names, locale: str) -> str:
    w, kind = line.what, line.kind
    if kind == AuditKind.CARD:
        return _("📇 opened the card of «{client}»").format(client=names.client(w.get("client")))
    if kind == AuditKind.SEARCH:
        return _("🔎 searched for «{query}», found: {count}").format(query=html.escape(str(w.get("q", ""))),
                                                                     count=w.get("found", "?"))
    if kind == AuditKind.REPORT:
        whom, period = _report(w, names, locale)
        return _("📊 built a report: {whom}, {period}").format(whom=whom, period=period)
    if kind == AuditKind.EXPORT:
        whom, period = _report(w, names, locale)
        return _("📥 exported a report to Excel: {whom}, {period}, rows: {rows}").format(
            whom=whom, period=period, rows=w.get("rows", "?"))
    if kind == AuditKind.IMPORT and w.get("act") == "clients":
        return _("📤 imported clients from «{file}» ({size} KB, rows: {rows}): created {created}, updated {updated}, "
                 "duplicates skipped {skipped}, refused {refused}").format(
            file=html.escape(str(w.get("file", ""))), size=-(-w["bytes"] // 1024) if isinstance(w.get("bytes"), int) else "?", rows=w.get("rows", "?"),
            created=w.get("created", "?"), updated=w.get("updated", "?"), skipped=w.get("skipped", "?"),
            refused=w.get("refused", "?"))
    if kind == AuditKind.IMPORT:
        return _("📤 imported plans for {month} from a sheet: {count}").format(
            month=_month(w.get("month"), locale), count=w.get("count", "?"))
    if kind == AuditKind.PLAN:
        month = _month(w.get("month"), locale)
        if w.get("act") == "copy":
            return _("🎯 copied the previous month's plans into {month}: {count}").format(month=month, count=w.get("count", "?"))
        whom = _("team {name}").format(name=names.team(w["team"])) if w.get("team") else names.user(w.get("user"))
        if w.get("act") == "removed":
            return _("🎯 removed the plan for {month}: {whom}").format(month=month, whom=whom)
        return _("🎯 set the plan for {month}: {whom}").format(month=month, whom=whom)
    if kind == AuditKind.TRAINING:
        try:
            day = format_datetime(date.fromisoformat(w["day"]), "d MMM y", locale=locale)
        except (KeyError, TypeError, ValueError):
            day = "?"
        return _("🎓 recorded a training of {day}, took part: {count}").format(day=day, count=w.get("people", "?"))
    if kind == AuditKind.ROLE:
        return _("👑 {user} became an admin (listed in ADMIN_IDS)").format(user=names.user(w.get("user")))
    if kind == AuditKind.ACCESS:
        text = _("🔑 turned access on for {user}") if w.get("on") else _("⛔ turned access off for {user}")
        return text.format(user=names.user(w.get("user")))
    if kind == AuditKind.HANDOVER:
        return _("📦 handed over the base of {source} to {heir}: clients: {clients}, planned contacts: {planned}").format(
            source=names.user(w.get("from")), heir=names.user(w.get("to")), clients=w.get("clients", "?"),
            planned=w.get("planned", "?"))
    if kind == AuditKind.INVITE:
        if w.get("act") == "used":
            return _("✉️ joined as a {role} by an invite from {user}").format(role=_role(w.get("role")), user=names.user(w.get("by")))
        if w.get("act") == "revoked":
            return _("✉️ revoked an invite")
        return _("✉️ made an invite for a {role}").format(role=_role(w.get("role")))
    if kind == AuditKind.REFUSED:
        text = {
            "inactive": _("🚫 refused: their access is off (try {count})"),
            "bad_invite": _("🚫 refused: an invite link that does not work (try {count})"),
        }.get(w.get("reason"), _("🚫 refused: not invited (try {count})"))
        return text.format(count=w.get("try", "?"))
    if kind == AuditKind.LIMIT:
        return _limit(w, names)
    if kind == AuditKind.VERIFY:
        manager = names.user(w.get("manager"))
        if w.get("mark") in CallbackMark._value2member_map_:
            return _("📞 call-back check of a meeting of {manager}: {mark}").format(
                manager=manager, mark=_MARKS[CallbackMark(w["mark"])])
        return _("📞 commented a call-back check of a meeting of {manager}").format(manager=manager)
    if kind == AuditKind.LOCATION:
        text = _("📍 moved «{client}» on the map") if w.get("before") else _("📍 placed «{client}» on the map")
        return text.format(client=names.client(w.get("client")))
    return kind_label(kind)


def _limit(w: dict[str, Any], names: Names) -> str:
    of, limit = w.get("of"), w.get("limit", "?")
    if of == AuditKind.CARD:
        text = _("⛔ over the hourly limit of cards ({limit}): «{client}» not shown").format(
            limit=limit, client=names.client(w.get("client")))
    elif of == AuditKind.SEARCH:
        text = _("⛔ over the hourly limit of searches ({limit}): «{query}» not searched").format(
            limit=limit, query=html.escape(str(w.get("q", ""))))
    else:
        text = _("⛔ over the hourly limit of exports ({limit}): nothing exported").format(limit=limit)
    return text + (_("; the admins were told") if w.get("alert") else "")


def line_text(line: Line, names: Names, tz: str, locale: str) -> str:
    moment = format_datetime(to_local(line.at, tz), "dd.MM.yy HH:mm", locale=locale)
    return f"{moment} · <b>{who(line)}</b> · {what(line, names, locale)}"

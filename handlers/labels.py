"""Translated names of the CRM's fixed vocabulary (kept as literal calls so extraction finds them)."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from db.models import ClientStatus, Kind, Outcome, RefusalReason, Role


def kind(value: Kind) -> str:
    return {
        Kind.MEETING: _("🤝 Meeting"),
        Kind.CALL: _("📞 Call"),
        Kind.EMAIL: _("✉️ Email"),
        Kind.MESSAGE: _("💬 Message"),
        Kind.GREETING: _("🎉 Greeting"),
        Kind.OTHER: _("📌 Other"),
    }[value]


def outcome(value: Outcome) -> str:
    return {
        Outcome.AGREED: _("✅ Agreed"),
        Outcome.REFUSED: _("❌ Refused"),
        Outcome.RESCHEDULED: _("🔁 Rescheduled"),
        Outcome.REVISED_OFFER: _("📝 Needs a revised offer"),
        Outcome.THINKING: _("🤔 Thinking it over"),
        Outcome.NO_ANSWER: _("📵 No answer"),
    }[value]


def reason(value: RefusalReason) -> str:
    builtin = {
        "budget": _("Budget exhausted"),
        "not_interested": _("Not interested in the product"),
        "has_supplier": _("Already has a supplier"),
        "price": _("Price"),
        "bad_timing": _("Bad timing"),
        "no_decision_maker": _("No decision-maker"),
        "other": _("Other"),
    }
    return builtin.get(value.code or "", value.title or value.code or "?")


def role(value: Role) -> str:
    return {Role.MANAGER: _("Manager"), Role.HEAD: _("Head"), Role.ADMIN: _("Admin")}[value]


def client_status(value: ClientStatus) -> str:
    return {ClientStatus.LEAD: _("Lead"), ClientStatus.ACTIVE: _("Active client"), ClientStatus.LOST: _("Lost")}[value]


# Main-menu buttons: lazy, because filters are built before any locale is chosen.
MENU_LOG = __("📝 Log a contact")
MENU_TODAY = __("📅 Today")
MENU_TOMORROW = __("🗓 Tomorrow")
MENU_CLIENTS = __("🔎 Clients")
MENU_INVITE = __("➕ Invite")
MENU_HELP = __("❓ Help")

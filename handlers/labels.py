"""Translated names of the CRM's fixed vocabulary (kept as literal calls so extraction finds them)."""

from __future__ import annotations

import html

from datetime import date, timedelta

from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from db.models import ClientStatus, ContactPerson, Interaction, Kind, Outcome, RefusalReason, Role
from reports.dates import QUICK_STEPS, quick_day
from handlers.parsing import phone_for_display
from reports.formatting import money, short_day
from reports.workdays import WorkCalendar


# Lazy strings, built once: each lookup translates into the current locale.
_KINDS = {
    Kind.MEETING: __("🤝 Meeting"),
    Kind.CALL: __("📞 Call"),
    Kind.EMAIL: __("✉️ Email"),
    Kind.MESSAGE: __("💬 Message"),
    Kind.GREETING: __("🎉 Greeting"),
    Kind.OTHER: __("📌 Other"),
}
_KIND_PLURALS = {
    Kind.MEETING: __("Meetings"),
    Kind.CALL: __("Calls"),
    Kind.EMAIL: __("Emails"),
    Kind.MESSAGE: __("Messages"),
    Kind.GREETING: __("Greetings"),
    Kind.OTHER: __("Other contacts"),
}
_OUTCOMES = {
    Outcome.AGREED: __("✅ Agreed"),
    Outcome.REFUSED: __("❌ Refused"),
    Outcome.RESCHEDULED: __("🔁 Rescheduled"),
    Outcome.REVISED_OFFER: __("📝 Needs a revised offer"),
    Outcome.THINKING: __("🤔 Thinking it over"),
    Outcome.NO_ANSWER: __("📵 No answer"),
}
_REASONS = {
    "budget": __("Budget exhausted"),
    "not_interested": __("Not interested in the product"),
    "has_supplier": __("Already has a supplier"),
    "price": __("Price"),
    "bad_timing": __("Bad timing"),
    "no_decision_maker": __("No decision-maker"),
    "other": __("Other"),
}
# what a head is advised when a manager's refusals are mostly one reason (admins can rewrite it)
_ADVICE = {
    "budget": __("Be more flexible on payment terms: deferred payment, instalments, a smaller first order."),
    "not_interested": __("Know the product and the client's business better: prepare for each meeting and show what the offer changes for them."),
    "has_supplier": __("Work on what sets the offer apart from the current supplier: terms, service, speed; offer a trial delivery."),
    "price": __("Argue value rather than price: show what the client gains, offer volume discounts or a simpler package."),
    "bad_timing": __("Agree on when to come back and plan that contact; keep in touch until then."),
    "no_decision_maker": __("Find out who decides before the meeting and ask for that person to be there."),
    "other": __("Read the notes of these refusals: what is logged as \"Other\" may deserve a reason of its own."),
}
_ROLES = {Role.MANAGER: __("Manager"), Role.HEAD: __("Head"), Role.ADMIN: __("Admin")}
_STATUSES = {ClientStatus.LEAD: __("Lead"), ClientStatus.ACTIVE: __("Active client"), ClientStatus.LOST: __("Lost")}


def kind(value: Kind) -> str:
    return str(_KINDS[value])


def kind_plural(value: Kind) -> str:
    """A kind as a chart's legend names it: "Meetings"."""
    return str(_KIND_PLURALS[value])


def outcome(value: Outcome) -> str:
    return str(_OUTCOMES[value])


def reason(value: RefusalReason) -> str:
    """A reason's name: as an admin named it, else the built-in one in the person's language."""
    if value.title:
        return value.title
    builtin = _REASONS.get(value.code or "")
    return str(builtin) if builtin is not None else (value.code or "?")


def reason_advice(value: RefusalReason) -> str:
    """The built-in advice for a reason in the person's language (an admin's own text wins elsewhere)."""
    builtin = _ADVICE.get(value.code or "")
    return str(builtin) if builtin is not None else _("No advice is written for this reason yet: an admin can add it in /reasons.")


def reason_names(value: RefusalReason, locales) -> set[str]:
    """Every name the reason goes by, casefolded, in every language: what a new name must not repeat."""
    names = {value.title.casefold()} if value.title else set()
    builtin = _REASONS.get(value.code or "")
    if builtin is not None and not value.title:
        names |= {get_i18n().gettext(builtin._args[0], locale=locale).casefold() for locale in locales}
    return names


def result(item: Interaction, locale: str) -> str:
    """A contact's result as it follows its kind in a list: outcome (reason), amount."""
    text = f" · {outcome(item.outcome)}" if item.outcome else ""
    if item.outcome == Outcome.REFUSED and item.refusal_reason:
        text += f" ({html.escape(reason(item.refusal_reason))})"
    if item.amount_minor:
        text += f" · {money(item.amount_minor, locale)}"
    return text


_QUICK = {"1d": __("Tomorrow"), "3d": __("In 3 days"), "7d": __("In a week")}


def quick_steps(today: date, workdays: WorkCalendar, locale: str) -> list[tuple[str, str]]:
    """The quick next steps as (code, label): the usual words when the step lands where they say,
    otherwise the working day it lands on ("Mon, 30 Nov" for tomorrow on a Friday)."""
    choices = []
    for code, words in _QUICK.items():
        day = quick_day(code, today, workdays)
        choices.append((code, str(words) if day == today + timedelta(days=QUICK_STEPS[code]) else short_day(day, locale)))
    return choices


def role(value: Role) -> str:
    return str(_ROLES[value])


def client_status(value: ClientStatus) -> str:
    return str(_STATUSES[value])


# Main-menu buttons: lazy, because filters are built before any locale is chosen.
MENU_LOG = __("📝 Log a contact")
MENU_TODAY = __("📅 Today")
MENU_TOMORROW = __("🗓 Tomorrow")
MENU_CLIENTS = __("🔎 Clients")
MENU_INVITE = __("➕ Invite")
MENU_HELP = __("❓ Help")
MENU_TEAM = __("👥 Team")
MENU_REPORT = __("📊 Reports")
MENU_CHECKIN = __("📍 I'm at the client")  # a request_location button: it sends the location, not this text


def day_off(day: date, workdays: WorkCalendar, locale: str) -> str:
    """' · a public holiday: …' or ' · a day off' after a date that is not a working day; else ''."""
    if workdays.is_workday(day):
        return ""
    name = workdays.day_off(day, locale)
    return " · " + (_("⚠️ a public holiday: {name}").format(name=name) if name else _("⚠️ a day off"))


def birthday_text(born: date) -> str:
    return born.strftime("%d.%m" if born.year == 1904 else "%d.%m.%Y")  # 1904: the year is unknown


def person(person: ContactPerson) -> str:
    """A contact person in one line: name, position, phone, e-mail, birthday (as HTML)."""
    bits = [html.escape(person.name)]
    phone = phone_for_display(person.phone) if person.phone else None
    bits += [html.escape(v) for v in (person.position, phone, person.email) if v]
    if person.birthday:
        bits.append("🎂 " + birthday_text(person.birthday))
    return ", ".join(bits)

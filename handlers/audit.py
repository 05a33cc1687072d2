"""/audit (admins): the audit trail, newest first, 20 entries a page, by person and by kind.

Pages go by entry id (older than the last shown, newer than the first), so entries appended while
an admin reads never shift a page. Every button is re-checked: a forged person, kind or cursor is
answered calmly and reveals nothing.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from db.models import AuditKind, User
from db.repositories import Repos
from db.repositories.audit import Filter
from handlers.audit_view import KINDS, Names, kind_label, line_text
from handlers.callbacks import AuditCb
from handlers.keyboards import Rows, button
from handlers.ui import fits, noop, show, stale

PAGE = 20  # entries a page
PEOPLE_PAGE = 10  # people a page of the picker
STRANGERS = -1  # the person filter for entries of people who are not users


async def _render(repos: Repos, user: User, locale: str, person: int, kind: str, cursor: int = 0,
                  direction: str = "") -> tuple[str, InlineKeyboardMarkup] | None:
    """The log's page; None for filters no button of ours carries."""
    if kind and kind not in AuditKind._value2member_map_ or direction not in ("", "o", "n") or person < STRANGERS:
        return None
    audit = repos.audit
    person_name = None
    if person > 0:
        person_name = (await audit.names(set(), {person}, set()))[1].get(person)
        if person_name is None:
            return None
    wanted = Filter(actor_id=person if person > 0 else None, strangers=person == STRANGERS,
                    kind=AuditKind(kind) if kind else None)
    page = await audit.page(wanted, before=cursor if direction == "o" else None,
                            after=cursor if direction == "n" else None, size=PAGE)
    names = Names(*await audit.names(*Names.wanted(page.lines)))
    who = {0: _("anyone"), STRANGERS: _("people who are not users")}.get(person) or person_name
    head = [_("🛡 <b>Audit trail</b>, newest first"),
            _("Who: {who} · What: {kind}").format(who=who, kind=kind_label(AuditKind(kind)) if kind else _("everything")), ""]
    lines: list[str] = []
    for line in page.lines:  # lines are short, but a page of long names must still be one message
        text = line_text(line, names, user.timezone, locale)
        if not fits([*head, *lines, text]):
            break
        lines.append(text)
    if not lines:
        lines = [_("Nothing recorded yet.") if not person and not kind else _("Nothing recorded with these filters.")]
    shown = page.lines[:len(lines)] if page.lines else []
    older = page.older or len(shown) < len(page.lines)
    kb = Rows()
    nav = []
    if page.newer:
        nav.append(button("‹", AuditCb(a="l", u=person, k=kind, c=shown[0].id, d="n")))
    if older:
        nav.append(button("›", AuditCb(a="l", u=person, k=kind, c=shown[-1].id, d="o")))
    if nav:
        kb.row(*nav)
    kb.row(button(_("👤 Who"), AuditCb(a="who", u=person, k=kind)), button(_("🏷 What"), AuditCb(a="kind", u=person, k=kind)))
    return "\n".join([*head, *lines]), kb.as_markup()


async def start(message: Message, repos: Repos, user: User, i18n: I18n) -> None:
    text, markup = await _render(repos, user, i18n.current_locale, 0, "")
    await message.answer(text, reply_markup=markup)


async def page(query: CallbackQuery, callback_data: AuditCb, repos: Repos, user: User, i18n: I18n) -> None:
    cb = callback_data
    screen = await _render(repos, user, i18n.current_locale, cb.u, cb.k, cb.c, cb.d)
    if screen is None:
        await stale(query)
        return
    await query.answer()
    await show(query, *screen)


async def pick_person(query: CallbackQuery, callback_data: AuditCb, repos: Repos) -> None:
    cb = callback_data
    if cb.k and cb.k not in AuditKind._value2member_map_:
        await stale(query)
        return
    people = await repos.audit.actors()
    pages = max(1, -(-len(people) // PEOPLE_PAGE))
    shown = min(max(cb.p, 0), pages - 1)  # a forged page: the nearest real one
    kb = Rows()
    kb.row(button(_("Everyone"), AuditCb(a="l", u=0, k=cb.k)),
           button(_("Not users"), AuditCb(a="l", u=STRANGERS, k=cb.k)))
    for person in people[shown * PEOPLE_PAGE:(shown + 1) * PEOPLE_PAGE]:
        mark = "" if person.is_active else " ⛔"
        kb.row(button(person.full_name[:60] + mark, AuditCb(a="l", u=person.id, k=cb.k)))
    if pages > 1:
        kb.row(
            button("‹", AuditCb(a="who", u=cb.u, k=cb.k, p=shown - 1)) if shown else button(" ", AuditCb(a="noop")),
            button(f"{shown + 1}/{pages}", AuditCb(a="noop")),
            button("›", AuditCb(a="who", u=cb.u, k=cb.k, p=shown + 1)) if shown + 1 < pages else button(" ", AuditCb(a="noop")),
        )
    kb.row(button(_("‹ Back"), AuditCb(a="l", u=cb.u, k=cb.k)))
    await query.answer()
    await show(query, _("🛡 Whose entries? (⛔: access is off)"), kb.as_markup())


async def pick_kind(query: CallbackQuery, callback_data: AuditCb) -> None:
    cb = callback_data
    kb = Rows()
    kb.row(button(_("Everything"), AuditCb(a="l", u=cb.u)))
    kinds = list(KINDS)
    for pair in (kinds[i:i + 2] for i in range(0, len(kinds), 2)):  # an odd one out gets a row of its own
        kb.row(*(button(("• " if cb.k == k.value else "") + kind_label(k), AuditCb(a="l", u=cb.u, k=k.value)) for k in pair))
    kb.row(button(_("‹ Back"), AuditCb(a="l", u=cb.u, k=cb.k if cb.k in AuditKind._value2member_map_ else "")))
    await query.answer()
    await show(query, _("🛡 Which entries?"), kb.as_markup())


def setup() -> Router:
    """For admins (the router's parent checks the role)."""
    router = Router(name=__name__)
    router.message.register(start, Command("audit"))
    router.callback_query.register(noop, AuditCb.filter(F.a == "noop"))
    router.callback_query.register(page, AuditCb.filter(F.a == "l"))
    router.callback_query.register(pick_person, AuditCb.filter(F.a == "who"))
    router.callback_query.register(pick_kind, AuditCb.filter(F.a == "kind"))
    return router

"""/plan: monthly sales plans. Heads set them for their team and its managers, admins for anyone:
typed one by one, copied from the month before in one tap (after a preview), or uploaded as an
XLSX sheet (a preview of what changes; a sheet with any bad row is refused with the rows named, and
nothing of it is applied). A manager sees their own plan."""

from __future__ import annotations

import asyncio
import html
from datetime import date, timedelta

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from db.models import Role, SalesPlan, User
from db.repositories import AccessDenied, NotFound, Repos
from db.repositories.plans import AMOUNT_MAX, COUNT_MAX, PlanChange
from handlers.callbacks import SalesPlanCb
from handlers.filters import FreeText, Magic
from handlers.keyboards import Rows, button
from handlers.parsing import ParseError, parse_amount
from handlers.states import PlanEntry
from handlers.ui import answer_parts, not_found, pack, show, show_parts, stale
from reports import plan_sheet
from reports.dates import local_today
from reports.formatting import money, month_name, month_title

MONTHS_AROUND = 12  # how far back and ahead plans can be set
PEOPLE_MAX = 80  # buttons of people on one screen (Telegram allows 100 a message)


def _month(code: str, today: date) -> date:
    """A month as buttons carry it ("202611"); ValueError for one outside the range offered."""
    if len(code) != 6 or not code.isdigit() or not code.isascii():
        raise ValueError(code)
    month = date(int(code[:4]), int(code[4:]), 1)
    months = (month.year - today.year) * 12 + month.month - today.month
    if abs(months) > MONTHS_AROUND:
        raise ValueError(code)
    return month


def _code(month: date) -> str:
    return f"{month:%Y%m}"


def _shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _figures(plan: SalesPlan | None, locale: str) -> str:
    if plan is None:
        return _("not set")
    text = money(plan.amount_minor, locale)
    if plan.deals is not None:
        text += " · " + _("deals: {count}").format(count=plan.deals)
    if plan.meetings is not None:
        text += " · " + _("meetings: {count}").format(count=plan.meetings)
    return text


async def _screen(repos: Repos, user: User, month: date, today: date, locale: str) -> tuple[list[str], InlineKeyboardMarkup]:
    plans = await repos.plans.of_month(month)
    by_user = {p.user_id: p for p in plans if p.user_id}
    by_team = {p.team_id: p for p in plans if p.team_id}
    people = await repos.reports.people()
    teams = await repos.reports.teams()
    blocks = [_("🎯 <b>Sales plans</b>, {month}").format(month=month_name(month, locale))]
    for team in teams:
        blocks.append(_("👥 Team {name}: {plan}").format(name=html.escape(team.name), plan=_figures(by_team.get(team.id), locale)))
    blocks.append("")
    blocks += [f"• {html.escape(p.name)}: {_figures(by_user.get(p.id), locale)}" for p in people]
    total = sum(p.amount_minor for p in by_user.values())
    if by_user and user.role in (Role.HEAD, Role.ADMIN):
        blocks.append("\n" + _("Managers' plans together: {sum}").format(sum=money(total, locale)))
    kb = Rows()
    if user.role in (Role.HEAD, Role.ADMIN):
        shown = people[:PEOPLE_MAX]
        for pair in (shown[i:i + 2] for i in range(0, len(shown), 2)):
            kb.row(*(button("✏️ " + p.name[:30], SalesPlanCb(a="edit", m=_code(month), u=p.id)) for p in pair))
        for team in teams:
            kb.row(button(_("✏️ Team {name}").format(name=team.name[:30]), SalesPlanCb(a="edit", m=_code(month), t=team.id)))
        earlier = _shift(month, -1)
        kb.row(button(_("📋 Copy from {month}").format(month=month_name(earlier, locale)), SalesPlanCb(a="copy", m=_code(month))))
        kb.row(button(_("📤 Sheet to fill in"), SalesPlanCb(a="tpl", m=_code(month))),
               button(_("📥 Upload a sheet"), SalesPlanCb(a="up", m=_code(month))))
    nav = []
    if (month.year - today.year) * 12 + month.month - today.month > -MONTHS_AROUND:
        nav.append(button("‹ " + month_title(_shift(month, -1), locale), SalesPlanCb(a="show", m=_code(_shift(month, -1)))))
    if (month.year - today.year) * 12 + month.month - today.month < MONTHS_AROUND:
        nav.append(button(month_title(_shift(month, 1), locale) + " ›", SalesPlanCb(a="show", m=_code(_shift(month, 1)))))
    kb.row(*nav)
    return pack(blocks), kb.as_markup()


async def start(message: Message, repos: Repos, user: User, clock, i18n: I18n, state: FSMContext) -> None:
    await state.clear()
    today = local_today(clock(), user.timezone)
    parts, markup = await _screen(repos, user, today.replace(day=1), today, i18n.current_locale)
    await answer_parts(message, parts, markup)


async def show_month(query: CallbackQuery, callback_data: SalesPlanCb, repos: Repos, user: User, clock, i18n: I18n) -> None:
    today = local_today(clock(), user.timezone)
    try:
        month = _month(callback_data.m, today)
    except ValueError:
        await stale(query)
        return
    await query.answer()
    parts, markup = await _screen(repos, user, month, today, i18n.current_locale)
    await show_parts(query, parts, markup)


async def _setters_month(query: CallbackQuery, callback_data: SalesPlanCb, user: User, clock) -> date | None:
    """The month a head's or admin's button is about; None after telling the presser it is stale
    or not theirs."""
    try:
        month = _month(callback_data.m, local_today(clock(), user.timezone))
    except ValueError:
        await stale(query)
        return None
    if user.role not in (Role.HEAD, Role.ADMIN):
        await not_found(query)
        return None
    return month


def _cancel(month: date) -> InlineKeyboardMarkup:
    return Rows().row(button(_("✖ Cancel"), SalesPlanCb(a="cx", m=_code(month)))).as_markup()


async def _owner_name(repos: Repos, user_id: int, team_id: int) -> str | None:
    if user_id:
        people = await repos.reports.people(manager_id=user_id)
        return people[0].name if people else None
    team = next((t for t in await repos.reports.teams() if t.id == team_id), None)
    return _("team {name}").format(name=team.name) if team else None


async def ask_amount(query: CallbackQuery, callback_data: SalesPlanCb, repos: Repos, user: User, clock,
                     state: FSMContext, i18n: I18n) -> None:
    today = local_today(clock(), user.timezone)
    try:
        month = _month(callback_data.m, today)
    except ValueError:
        await stale(query)
        return
    if user.role not in (Role.HEAD, Role.ADMIN) or bool(callback_data.u) == bool(callback_data.t):
        await not_found(query)
        return
    name = await _owner_name(repos, callback_data.u, callback_data.t)
    if name is None:
        await not_found(query)
        return
    await query.answer()
    await state.set_state(PlanEntry.amount)
    await state.set_data({"month": _code(month), "u": callback_data.u, "t": callback_data.t, "name": name})
    await query.message.answer(
        _("🎯 Plan of {name} for {month}. Type the sum of deals, and if you like the number of deals and of "
          "meetings after slashes: «500 000» or «500 000 / 10 / 40». «-» removes the plan.").format(
            name=html.escape(name), month=month_name(month, i18n.current_locale)),
        reply_markup=_cancel(month),
    )


def parse_plan(text: str) -> tuple[int, int | None, int | None]:
    """'500 000 / 10 / 40' -> (kopecks, deals, meetings); ParseError for anything else."""
    parts = [p.strip() for p in text.split("/")]
    if not 1 <= len(parts) <= 3 or not parts[0]:
        raise ParseError(text)
    amount = parse_amount(parts[0])
    counts: list[int | None] = []
    for part in parts[1:]:
        digits = "".join(part.split())
        if not digits.isdigit() or not digits.isascii() or int(digits) > COUNT_MAX:
            raise ParseError(text)
        counts.append(int(digits))
    counts += [None] * (2 - len(counts))
    if not 0 < amount <= AMOUNT_MAX:
        raise ParseError(text)
    return amount, counts[0], counts[1]


async def save_amount(message: Message, repos: Repos, user: User, clock, state: FSMContext, i18n: I18n) -> None:
    data = await state.get_data()
    today = local_today(clock(), user.timezone)
    month = _month(data["month"], today)
    owner = {"user_id": data["u"] or None, "team_id": data["t"] or None}
    text = message.text.strip()
    try:
        if text == "-":
            await repos.plans.remove(month, **owner)
        else:
            amount, deals, meetings = parse_plan(text)
            await repos.plans.set(month, amount_minor=amount, deals=deals, meetings=meetings, now=clock(), **owner)
    except ParseError:
        await message.answer(_("That is not a plan I can read. Type a sum such as «500 000» or «1,5 млн», and if you "
                               "like «/ deals / meetings» after it:"), reply_markup=_cancel(month))
        return
    except (NotFound, AccessDenied, ValueError):
        await state.clear()
        await message.answer(_("Not found, or not yours to change."))
        return
    await repos.audit.record("plan", {"month": f"{month:%Y-%m}", "act": "removed" if text == "-" else "set", "user": owner["user_id"], "team": owner["team_id"]})
    await state.clear()
    parts, markup = await _screen(repos, user, month, today, i18n.current_locale)
    note = _("Removed.") if text == "-" else _("Saved.")
    parts = pack([note, *parts])
    await answer_parts(message, parts, markup)


async def cancel(query: CallbackQuery, state: FSMContext) -> None:
    if await state.get_state() not in (PlanEntry.amount.state, PlanEntry.sheet.state, PlanEntry.preview.state):
        await stale(query)
        return
    await state.clear()
    await query.answer()
    await show(query, _("Cancelled. Nothing was saved."))


# ---- many at once: a copy of the month before, or a sheet -------------------------------------


def _preview(changes: list[PlanChange], names: dict[tuple[int | None, int | None], str], month: date, locale: str) -> list[str]:
    changed = [c for c in changes if c.current != c.amount_minor]
    blocks = [_("🎯 {month}: {count} plans, {changed} of them new or changed.").format(
        month=month_title(month, locale), count=len(changes), changed=len(changed))]
    for c in changed:
        name = html.escape(names.get((c.user_id, c.team_id), "?"))
        before = money(c.current, locale) if c.current is not None else _("not set")
        blocks.append(f"• {name}: {before} → <b>{money(c.amount_minor, locale)}</b>")
    return blocks


async def _names(repos: Repos) -> dict[tuple[int | None, int | None], str]:
    names: dict[tuple[int | None, int | None], str] = {(p.id, None): p.name for p in await repos.reports.people()}
    names.update({(None, t.id): _("team {name}").format(name=t.name) for t in await repos.reports.teams()})
    return names


async def _offer(message: Message, state: FSMContext, month: date, changes: list[PlanChange], blocks: list[str]) -> None:
    await state.set_state(PlanEntry.preview)
    await state.set_data({"month": _code(month), "changes": [
        [c.user_id, c.team_id, c.amount_minor, c.deals, c.meetings] for c in changes]})
    kb = Rows().row(button(_("✅ Apply"), SalesPlanCb(a="apply", m=_code(month))),
                    button(_("✖ Cancel"), SalesPlanCb(a="cx", m=_code(month)))).as_markup()
    parts = pack(blocks)
    await answer_parts(message, parts, kb)


async def copy(query: CallbackQuery, callback_data: SalesPlanCb, repos: Repos, user: User, clock, state: FSMContext,
               i18n: I18n) -> None:
    month = await _setters_month(query, callback_data, user, clock)
    if month is None:
        return
    changes = await repos.plans.copy_changes(_shift(month, -1), month)
    if not changes:
        await query.answer(_("{month} has no plans to copy.").format(month=month_title(_shift(month, -1), i18n.current_locale)),
                           show_alert=True)
        return
    await query.answer()
    await _offer(query.message, state, month, changes, _preview(changes, await _names(repos), month, i18n.current_locale))


async def apply(query: CallbackQuery, callback_data: SalesPlanCb, repos: Repos, user: User, clock, state: FSMContext,
                i18n: I18n) -> None:
    data = await state.get_data()
    if await state.get_state() != PlanEntry.preview.state or data.get("month") != callback_data.m:
        await stale(query)
        return
    today = local_today(clock(), user.timezone)
    month = _month(data["month"], today)
    changes = [PlanChange(u, t, a, d, m, None) for u, t, a, d, m in data["changes"]]
    try:
        count = await repos.plans.apply(month, changes, clock())
    except (NotFound, AccessDenied, ValueError):
        await state.clear()
        await query.answer(_("Nothing was applied: some of these plans are no longer yours to set."), show_alert=True)
        return
    await repos.audit.record("import" if data.get("src") == "sheet" else "plan", {"month": f"{month:%Y-%m}", "act": data.get("src", "copy"), "count": count})
    await state.clear()
    await query.answer(_("Applied: {count}").format(count=count))
    parts, markup = await _screen(repos, user, month, today, i18n.current_locale)
    await show_parts(query, parts, markup)


async def send_template(query: CallbackQuery, callback_data: SalesPlanCb, repos: Repos, user: User, clock, i18n: I18n) -> None:
    month = await _setters_month(query, callback_data, user, clock)
    if month is None:
        return
    await query.answer()
    plans = {p.user_id: p for p in await repos.plans.of_month(month) if p.user_id}
    rows = [(p.id, p.name, plans[p.id].amount_minor / 100 if p.id in plans else None,
             plans[p.id].deals if p.id in plans else None, plans[p.id].meetings if p.id in plans else None)
            for p in await repos.reports.people()]
    headers = [_("ID"), _("Manager"), _("Sum of deals, ₽"), _("Deals"), _("Meetings")]
    data = await asyncio.to_thread(plan_sheet.template, month_title(month, i18n.current_locale), headers, rows)
    await query.message.answer_document(
        BufferedInputFile(data, f"ladon-plans-{month:%Y-%m}.xlsx"),
        caption=_("Fill in the sums (and, if you like, deals and meetings), keep the ID column, then tap 📥 Upload a sheet and send it back."),
    )


async def ask_sheet(query: CallbackQuery, callback_data: SalesPlanCb, user: User, clock, state: FSMContext, i18n: I18n) -> None:
    month = await _setters_month(query, callback_data, user, clock)
    if month is None:
        return
    await query.answer()
    await state.set_state(PlanEntry.sheet)
    await state.set_data({"month": _code(month)})
    await query.message.answer(_("Send the sheet of plans for {month} as an .xlsx file (📤 gives one to fill in).").format(
        month=month_name(month, i18n.current_locale)), reply_markup=_cancel(month))


_ERRORS = {
    "who": lambda v: _("no manager of yours has the ID «{value}»").format(value=v),
    "twice": lambda v: _("this manager is already in row {value}").format(value=v),
    "amount": lambda v: _("«{value}» is not a sum").format(value=v),
    "count": lambda v: _("«{value}» is not a whole number").format(value=v),
    "too_many": lambda v: _("too many rows: at most {max}").format(max=plan_sheet.MAX_ROWS),
}


async def read_sheet(message: Message, bot: Bot, repos: Repos, user: User, clock, state: FSMContext, i18n: I18n) -> None:
    data = await state.get_data()
    month = _month(data["month"], local_today(clock(), user.timezone))
    document = message.document
    if document is None or not (document.file_name or "").lower().endswith(".xlsx") or (document.file_size or 0) > plan_sheet.MAX_BYTES:
        await message.answer(_("Please send an .xlsx file of at most 2 MB."), reply_markup=_cancel(month))
        return
    content = (await bot.download(document)).read()
    people = await repos.reports.people()
    try:
        reading = await asyncio.to_thread(plan_sheet.read, content, {p.id for p in people}, AMOUNT_MAX, COUNT_MAX)
    except ValueError:
        await message.answer(_("This file cannot be read as an Excel sheet. Send an .xlsx file:"), reply_markup=_cancel(month))
        return
    if reading.errors:
        blocks = [_("Nothing was applied: fix these rows and send the sheet again.")]
        blocks += [_("Row {row}: {what}.").format(row=row, what=html.escape(_ERRORS[what](value[:40])))
                   for row, what, value in reading.errors]
        for part in pack(blocks):
            await message.answer(part, reply_markup=_cancel(month))
        return
    if not reading.rows:
        await message.answer(_("The sheet has no plans in it. Fill in the sums and send it again:"), reply_markup=_cancel(month))
        return
    current = {p.user_id: p.amount_minor for p in await repos.plans.of_month(month) if p.user_id}
    changes = [PlanChange(r.user_id, None, r.amount_minor, r.deals, r.meetings, current.get(r.user_id)) for r in reading.rows]
    await _offer(message, state, month, changes, _preview(changes, await _names(repos), month, i18n.current_locale))
    await state.update_data(src="sheet")  # applied, it is an import in the audit trail


async def not_a_sheet(message: Message, state: FSMContext, clock, user: User) -> None:
    month = _month((await state.get_data())["month"], local_today(clock(), user.timezone))
    await message.answer(_("Please send an .xlsx file of at most 2 MB."), reply_markup=_cancel(month))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(start, Command("plan"))
    router.callback_query.register(show_month, SalesPlanCb.filter(F.a == "show"))
    router.callback_query.register(ask_amount, SalesPlanCb.filter(F.a == "edit"))
    router.callback_query.register(copy, SalesPlanCb.filter(F.a == "copy"))
    router.callback_query.register(apply, SalesPlanCb.filter(F.a == "apply"))
    router.callback_query.register(send_template, SalesPlanCb.filter(F.a == "tpl"))
    router.callback_query.register(ask_sheet, SalesPlanCb.filter(F.a == "up"))
    router.callback_query.register(cancel, SalesPlanCb.filter(F.a == "cx"))
    router.message.register(save_amount, StateFilter(PlanEntry.amount), FreeText())
    router.message.register(read_sheet, StateFilter(PlanEntry.sheet), Magic(F.document))
    router.message.register(not_a_sheet, StateFilter(PlanEntry.sheet), FreeText())
    return router

"""Importing the client base (admins): an XLSX or CSV file sent to the bot (after /import, or just
sent), a preview of what it does (clients created, existing ones updated, duplicates skipped,
every refused row with its number and reason), then ✅ Import applies it in one transaction.

The rows read for the preview are kept in memory for its import (`RecentSheets`, workflow
data); after a restart, or half an hour later, the import downloads the file by its file_id and
reads it again. Either way the rows are matched against the base as it is at the import, so what
the result says is what was done. Reading runs in a worker thread; on a large file one message
shows how far it got. The records are written after everything is read and checked, with no request to Telegram
in between, so the update's transaction (bot/transaction.py) commits them all at once, together
with the audit entry, or nothing.
"""

from __future__ import annotations

import asyncio
import html
import secrets
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Document, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from babel.numbers import format_decimal

from db.models import AuditKind, User
from db.repositories import NotFound, Repos
from db.repositories.imports import ClientChange, NewClient
from handlers import import_sheet as sheets
from handlers.callbacks import ImportCb
from handlers.filters import CurrentFlow, FreeText, Magic
from handlers.keyboards import Rows, button
from handlers.states import ImportFlow
from handlers.ui import drop_keyboard, pack, stale
from reports import export
from reports.dates import local_today

PROGRESS_AFTER = 1.5  # seconds of reading before a progress message appears
PROGRESS_EVERY = 2.0  # seconds between its edits (one message edited, not a flood)
LISTED = 150  # refused rows listed in messages; beyond, a sheet of all of them
PEOPLE_PAGE = 30


def is_sheet(document: Document | None) -> bool:
    return document is not None and sheets.looks_like_a_base(document.file_name)


def _n(value: int, locale: str) -> str:
    return format_decimal(value, locale=locale)


FIELD_NAMES = {
    "name": lambda: _("name"), "inn": lambda: _("INN"), "industry": lambda: _("industry"), "city": lambda: _("city"),
    "address": lambda: _("address"), "manager": lambda: _("manager"), "person": lambda: _("contact person"),
    "position": lambda: _("position"), "phone": lambda: _("phone"), "email": lambda: _("e-mail"),
    "birthday": lambda: _("birthday"), "notes": lambda: _("notes"),
}

FILE_REFUSALS = {
    "type": lambda: _("I import clients from .xlsx and .csv files. Save the sheet as one of those and send it again."),
    "xls": lambda: _("This is an old Excel file (.xls). Open it in Excel, save it as .xlsx (File → Save as) and send it again."),
    "size": lambda: _("The file is over 10 MB. Split it, or delete the columns you do not need, and send it again."),
    "corrupt": lambda: _("This file cannot be read: it is damaged, or it is not what its name says. Save it again as .xlsx or .csv and send it."),
    "encoding": lambda: _("The text of this CSV cannot be read. Save it in Excel as «CSV UTF-8» or «CSV (semicolon delimited)» and send it again."),
    "empty": lambda: _("The file has no client rows under its header."),
    "no_name": lambda: _("I found no column of client names in the first 10 rows. Head it «Наименование» (or «Название», «Клиент», «Name») and send the file again."),
    "too_many": lambda: _("The file has more than 50,000 rows. Split it into parts and send them one at a time."),
    "download": lambda: _("Telegram would not give me this file (a bot can download at most 20 MB). Send a smaller one."),
}

ROW_REFUSALS = {
    "no_name": lambda v: _("no client name"),
    "long": lambda v: _("the «{column}» cell is too long").format(column=v),
    "inn": lambda v: _("«{value}» is not a valid INN (10 or 12 digits with correct check digits)").format(value=v),
    "phone": lambda v: _("«{value}» is not a phone number").format(value=v),
    "email": lambda v: _("«{value}» is not an e-mail address").format(value=v),
    "birthday": lambda v: _("«{value}» is not a birthday (25.12.1980, 25.12 or 1980-12-25)").format(value=v),
    "lonely_birthday": lambda v: _("a birthday without a contact person"),
    "no_manager": lambda v: _("no manager named"),
    "who": lambda v: _("nobody with access is called «{value}»").format(value=v),
    "ambiguous": lambda v: _("«{value}» fits several people: write the full name").format(value=v),
}


def refusal_text(refusal: sheets.Refusal) -> str:
    """Every problem of the row, in one line: fixing one should not hide the next till another upload."""
    return "; ".join(ROW_REFUSALS[code](value if len(value) <= 40 else value[:39] + "…") for code, value in refusal.problems)


# ---- reading a file, with progress on a large one ------------------------------------------------------

class Progress:
    """One message that tells how a long step goes: sent when the step is slow, then edited at
    most every PROGRESS_EVERY seconds."""

    def __init__(self, bot: Bot, chat_id: int, message_id: int | None = None):
        self.bot, self.chat_id, self.message_id = bot, chat_id, message_id
        self.text: str | None = None

    async def say(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        if text == self.text and markup is None:
            return
        self.text = text
        if self.message_id is None:
            self.message_id = (await self.bot.send_message(self.chat_id, text, reply_markup=markup)).message_id
            return
        try:
            await self.bot.edit_message_text(text, chat_id=self.chat_id, message_id=self.message_id, reply_markup=markup)
        except TelegramBadRequest as error:
            if "not modified" not in error.message:
                raise


async def _read(bot: Bot, file: dict[str, Any], user: User, today, progress: Progress,
                recent: sheets.RecentSheets | None) -> sheets.Sheet:
    """The file's rows: as read for its preview, or downloaded and read in a worker thread, the
    progress message counting the rows as they go."""
    unnamed = _("Main contact")
    key = (user.id, file["id"], today, unnamed)
    if recent is not None and (sheet := recent.get(key)) is not None:
        return sheet
    try:
        content = (await bot.download(file["id"])).read()
    except TelegramBadRequest:
        raise sheets.FileRefused("download") from None
    counted = [0]
    task = asyncio.ensure_future(asyncio.to_thread(
        sheets.read, content, file["name"], today, unnamed=unnamed, progress=lambda n: counted.__setitem__(0, n)))
    wait = PROGRESS_AFTER
    while True:
        done, _pending = await asyncio.wait({task}, timeout=wait)
        if done:
            break
        wait = PROGRESS_EVERY
        await progress.say(_("⏳ Reading «{file}»: {count} rows so far…").format(
            file=html.escape(file["name"]), count=counted[0]))
    sheet = task.result()
    if recent is not None:
        recent.put(key, sheet)
    return sheet


async def _matched(repos: Repos, sheet: sheets.Sheet, chosen: int | None) -> sheets.Plan:
    clients, persons = await repos.imports.clients(), await repos.imports.persons()
    managers = sheets.Managers(sheets.Person(u.id, u.full_name, u.username) for u in await repos.imports.owners())
    return await asyncio.to_thread(sheets.plan, sheet, clients, persons, managers, chosen)


# ---- the preview ----------------------------------------------------------------------------------------

def _waiting(plan: sheets.Plan, chosen: int | None, columns: dict[str, str]) -> int:
    """Rows that would create clients but wait for a manager: the file names none and none is chosen."""
    if chosen is not None or "manager" in columns:
        return 0
    return sum(1 for r in plan.refused if r.code == "no_manager")


def _buttons(flow: str, plan: sheets.Plan, chosen: int | None, columns: dict[str, str]) -> InlineKeyboardMarkup:
    kb = Rows()
    if plan.changes and not _waiting(plan, chosen, columns):  # new clients need a manager picked first
        kb.row(button(_("✅ Import"), ImportCb(a="go", f=flow)))
    kb.row(button(_("👤 One manager for all new clients"), ImportCb(a="who", f=flow)))
    if chosen is not None and "manager" in columns:
        kb.row(button(_("👥 Managers named in the rows"), ImportCb(a="rows", f=flow)))
    kb.row(button(_("✖ Cancel"), ImportCb(a="cx", f=flow)))
    return kb.as_markup()


def preview_blocks(file_name: str, sheet: sheets.Sheet, plan: sheets.Plan, owner: str | None, locale: str) -> list[str]:
    """The preview's text as blocks (a header, then a line per refused row, at most LISTED)."""
    n = lambda v: _n(v, locale)  # noqa: E731
    found = ", ".join(f"{html.escape(header)} → {FIELD_NAMES[field]()}" for field, header in sheet.columns.items())
    head = [
        _("📥 <b>Import of «{file}»</b>: rows with data: {rows}").format(file=html.escape(file_name), rows=n(sheet.read)),
        _("Columns: {columns}").format(columns=found),
    ]
    if sheet.ignored:
        head.append(_("Not imported: {columns}").format(columns=", ".join(html.escape(h) for h in sheet.ignored[:20])))
    head.append("")
    missing_managers = "manager" not in sheet.columns and owner is None
    new = _("➕ New clients: {count}").format(count=n(len(plan.create)))
    if owner is not None:
        new += " " + _("(all to {name})").format(name=html.escape(owner))
    elif plan.create:
        new += " " + _("(each to the manager named in its row)")
    head.append(new)
    head.append(_("✏️ Rows updating existing clients: {count} (their manager and name stay)").format(count=n(plan.updated)))
    if plan.merged:
        head.append(_("🔗 Rows adding to a client of an earlier row: {count}").format(count=n(plan.merged)))
    head.append(_("⏭ Duplicates skipped (nothing new in them): {count}").format(count=n(plan.skipped)))
    head.append(_("👥 Contact persons to add: {count}").format(count=n(plan.people)))
    refused, waiting = plan.refused, 0
    if missing_managers:
        refused = [r for r in refused if r.code != "no_manager"]
        waiting = len(plan.refused) - len(refused)
        if waiting:
            head.append(_("👤 The file names no managers: choose who gets its new clients ({count}), then import.").format(count=n(waiting)))
    if refused:
        head.append(_("🚫 Refused rows: {count} (not imported; fix them and send the file again: rows already imported will be skipped as duplicates)").format(count=n(len(refused))))
    else:
        head.append(_("🚫 Refused rows: none"))
    if not plan.changes and not (missing_managers and waiting):
        head.append("\n" + _("There is nothing to import from this file."))
    blocks = ["\n".join(head)]
    if refused:
        blocks.append("")
        blocks += [_("Row {row}: {reason}.").format(row=r.row, reason=html.escape(refusal_text(r))) for r in refused[:LISTED]]
        if len(refused) > LISTED:
            blocks.append(_("…and {count} more: all refused rows are in the sheet below.").format(count=n(len(refused) - LISTED)))
    return blocks


def refused_sheet(refused: list[sheets.Refusal]) -> bytes:
    return export.xlsx([export.Sheet(_("Refused rows"), [_("Row"), _("Why")],
                                     [[r.row, refusal_text(r)] for r in refused])])


async def _show_preview(bot: Bot, chat_id: int, repos: Repos, user: User, state: FSMContext, clock, i18n: I18n,
                        file: dict[str, Any], chosen: int | None, progress: Progress,
                        recent_sheets: sheets.RecentSheets | None) -> None:
    """Reads the file, matches it and shows what importing it would do; the flow waits for a tap."""
    locale = i18n.current_locale
    owner = None
    if chosen is not None:
        owner = (await repos.imports.owner(chosen)).full_name
    today = local_today(clock(), user.timezone)
    try:
        sheet = await _read(bot, file, user, today, progress, recent_sheets)
    except sheets.FileRefused as refused:
        await state.clear()
        await progress.say(FILE_REFUSALS[refused.code]())
        return
    plan = await _matched(repos, sheet, chosen)
    flow = secrets.token_hex(3)
    old = (await state.get_data()).get("mid")
    blocks = preview_blocks(file["name"], sheet, plan, owner, locale)
    parts = pack(blocks)
    markup = _buttons(flow, plan, chosen, sheet.columns)
    await state.set_state(ImportFlow.preview)
    await state.set_data({"flow": flow, "file": file, "chosen": chosen})
    if old and old != progress.message_id:
        await drop_keyboard(bot, chat_id, old)
    listed = [r for r in plan.refused if not ("manager" not in sheet.columns and owner is None and r.code == "no_manager")]
    last = len(parts) - 1
    for n, part in enumerate(parts):
        if n == 0 and progress.message_id is not None:
            await progress.say(part, markup if n == last and len(listed) <= LISTED else None)
            continue
        sent = await bot.send_message(chat_id, part, reply_markup=markup if n == last and len(listed) <= LISTED else None)
        progress.message_id = sent.message_id
    if len(listed) > LISTED:
        data = await asyncio.to_thread(refused_sheet, listed)
        sent = await bot.send_document(chat_id, BufferedInputFile(data, "refused-rows.xlsx"),
                                       caption=_("All refused rows of «{file}»").format(file=html.escape(file["name"][:200])),
                                       reply_markup=markup)
        progress.message_id = sent.message_id
    await state.update_data(mid=progress.message_id)


# ---- the steps -------------------------------------------------------------------------------------------

def _cancel_markup(flow: str) -> InlineKeyboardMarkup:
    return Rows().row(button(_("✖ Cancel"), ImportCb(a="cx", f=flow))).as_markup()


async def ask_file(message: Message, state: FSMContext) -> None:
    flow = secrets.token_hex(3)
    await state.set_state(ImportFlow.file)
    await state.set_data({"flow": flow})
    await message.answer(
        _("📥 <b>Importing clients</b>\nSend an .xlsx or .csv file (up to 10 MB and 50,000 rows) with a header row. "
          "I recognise these columns: name (Наименование, Название, Клиент), INN, industry, city, address, manager "
          "(Менеджер, Ответственный), contact person, position, phone, e-mail, birthday, notes. Only the name is required.\n\n"
          "Before anything is saved you will see how many clients will be created, updated and skipped as duplicates "
          "(by INN, then by name), and every row that cannot be imported."),
        reply_markup=_cancel_markup(flow))


async def receive(message: Message, bot: Bot, repos: Repos, user: User, state: FSMContext, clock, i18n: I18n,
                  recent_sheets: sheets.RecentSheets | None = None) -> None:
    document = message.document
    assert document is not None
    name = document.file_name or "file"
    if not is_sheet(document):
        await message.answer(FILE_REFUSALS["type"]())
        return
    if (document.file_size or 0) > sheets.MAX_BYTES:
        await message.answer(FILE_REFUSALS["size"]())
        return
    file = {"id": document.file_id, "name": name[:200], "size": document.file_size or 0}
    progress = Progress(bot, message.chat.id)
    await _show_preview(bot, message.chat.id, repos, user, state, clock, i18n, file, None, progress, recent_sheets)


async def not_a_file(message: Message) -> None:
    await message.answer(_("Send the clients as an .xlsx or .csv file, or /cancel."))


async def choose(query: CallbackQuery, callback_data: ImportCb, repos: Repos, flow_data: dict) -> None:
    if "file" not in flow_data:
        await stale(query)
        return
    people = await repos.imports.owners()
    pages = max(1, -(-len(people) // PEOPLE_PAGE))
    page = min(max(callback_data.u, 0), pages - 1)
    kb = Rows()
    for person in people[page * PEOPLE_PAGE:(page + 1) * PEOPLE_PAGE]:
        kb.row(button(person.full_name[:60], ImportCb(a="pick", f=callback_data.f, u=person.id)))
    nav = []
    if page > 0:
        nav.append(button("‹", ImportCb(a="who", f=callback_data.f, u=page - 1)))
    if page + 1 < pages:
        nav.append(button("›", ImportCb(a="who", f=callback_data.f, u=page + 1)))
    if nav:
        kb.row(*nav)
    kb.row(button(_("✖ Cancel"), ImportCb(a="cx", f=callback_data.f)))
    await query.answer()
    await query.message.answer(_("Who gets the new clients of this file?"), reply_markup=kb.as_markup())


async def pick(query: CallbackQuery, callback_data: ImportCb, bot: Bot, repos: Repos, user: User, state: FSMContext,
               clock, i18n: I18n, flow_data: dict, recent_sheets: sheets.RecentSheets | None = None) -> None:
    if "file" not in flow_data:
        await stale(query)
        return
    chosen = callback_data.u if callback_data.a == "pick" else None
    if chosen is not None:
        try:
            await repos.imports.owner(chosen)
        except NotFound:
            await query.answer(_("Not found, or their access is off."), show_alert=True)
            return
    await query.answer()
    if query.message is not None:
        await drop_keyboard(bot, query.from_user.id, query.message.message_id)
    progress = Progress(bot, query.from_user.id)
    await _show_preview(bot, query.from_user.id, repos, user, state, clock, i18n, flow_data["file"], chosen, progress,
                        recent_sheets)


async def cancel(query: CallbackQuery, bot: Bot, state: FSMContext, flow_data: dict) -> None:
    await state.clear()
    await query.answer()
    if flow_data.get("mid"):
        await drop_keyboard(bot, query.from_user.id, flow_data["mid"])
    await query.message.answer(_("Import cancelled. Nothing was changed."))


async def apply(query: CallbackQuery, callback_data: ImportCb, bot: Bot, repos: Repos, user: User, state: FSMContext,
                clock, i18n: I18n, flow_data: dict, recent_sheets: sheets.RecentSheets | None = None) -> None:
    if await state.get_state() != ImportFlow.preview.state:
        await stale(query)
        return
    file, chosen = flow_data["file"], flow_data.get("chosen")
    await query.answer()  # the preview keeps its buttons until the import is done: a failed one can be tapped again
    locale = i18n.current_locale
    progress = Progress(bot, query.from_user.id)
    await progress.say(_("⏳ Importing «{file}»…").format(file=html.escape(file["name"])))
    today = local_today(clock(), user.timezone)
    try:
        if chosen is not None:
            await repos.imports.owner(chosen)
        sheet = await _read(bot, file, user, today, progress, recent_sheets)
    except NotFound:
        await state.clear()
        await progress.say(_("Nothing was imported: the chosen manager's access is off now. Send the file again."))
        await drop_keyboard(bot, query.from_user.id, flow_data.get("mid"))
        return
    except sheets.FileRefused as refused:
        await state.clear()
        await progress.say(FILE_REFUSALS[refused.code]())
        await drop_keyboard(bot, query.from_user.id, flow_data.get("mid"))
        return
    plan = await _matched(repos, sheet, chosen)
    await progress.say(_("⏳ Saving «{file}»: {count} clients…").format(
        file=html.escape(file["name"]), count=_n(len(plan.create) + len(plan.update), locale)))
    # from here to the reply below nothing talks to Telegram: the rows and the audit entry are
    # committed together right before it (or, on any error, none of them)
    new = [NewClient(t.name, t.owner_id, dict(t.values), [vars(p) for p in t.new_persons]) for t in plan.create]  # type: ignore[arg-type]
    changes = [ClientChange(t.id, dict(t.changed), [vars(p) for p in t.new_persons], t.fills) for t in plan.update]  # type: ignore[arg-type]
    try:
        done = await repos.imports.apply(new, changes)
    except NotFound:  # a manager named in the rows lost access since they were read (nothing written)
        await state.clear()
        await progress.say(_("Nothing was imported: a manager named in the file lost access just now. Send the file again."))
        await drop_keyboard(bot, query.from_user.id, flow_data.get("mid"))
        return
    await repos.audit.record(AuditKind.IMPORT, {
        "act": "clients", "file": file["name"], "bytes": file["size"], "rows": sheet.read, "created": done.created,
        "updated": done.updated, "skipped": plan.skipped, "merged": plan.merged, "refused": len(plan.refused),
        "persons": done.persons, "to": chosen,
    })
    await state.clear()
    lines = [
        _("✅ <b>Imported «{file}»</b>").format(file=html.escape(file["name"])),
        _("➕ Clients created: {count}").format(count=_n(done.created, locale)),
        _("✏️ Existing clients updated: {count}").format(count=_n(done.updated, locale)),
        _("⏭ Duplicates skipped: {count}").format(count=_n(plan.skipped, locale)),
        _("👥 Contact persons added: {count}").format(count=_n(done.persons, locale)),
        _("🚫 Rows not imported: {count}").format(count=_n(len(plan.refused), locale)),
    ]
    if plan.merged:
        lines.insert(3, _("🔗 Rows added to a client of an earlier row: {count}").format(count=_n(plan.merged, locale)))
    await progress.say("\n".join(lines))
    await drop_keyboard(bot, query.from_user.id, flow_data.get("mid"))


def setup() -> Router:
    """For admins (the router sits under the admins' gate)."""
    router = Router(name=__name__)
    router.message.register(ask_file, Command("import"))
    router.message.register(receive, StateFilter(ImportFlow.file, ImportFlow.preview), Magic(F.document))
    router.message.register(receive, StateFilter(None), Magic(F.document), Magic(F.document.func(is_sheet)))
    router.message.register(not_a_file, StateFilter(ImportFlow.file), FreeText())
    flow = CurrentFlow()
    router.callback_query.register(apply, ImportCb.filter(F.a == "go"), flow)
    router.callback_query.register(choose, ImportCb.filter(F.a == "who"), flow)
    router.callback_query.register(pick, ImportCb.filter(F.a.in_({"pick", "rows"})), flow)
    router.callback_query.register(cancel, ImportCb.filter(F.a == "cx"), flow)
    return router

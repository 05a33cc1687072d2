"""The terminal sandbox: the real bot, the emulator and the demo company, driven line by line,
with reminders on a clock the person moves."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.sandbox import ME, Sandbox
from db.models import Client, Interaction, Kind, Outcome, Role, Status, Team, User
from reports.dates import at_local, local_today
from reports.workdays import WorkCalendar

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"https://t\.me/\w+\?start=([A-Za-z0-9_-]+)")
MOSCOW = "Europe/Moscow"
DIGEST = re.compile(r"☀️ \w+ digest, ")  # a head's team, an admin's company
PHOTO = re.compile(r"\[photo \d+×\d+, album \d+/\d+, saved to (\S+\.png)\] ")


def number(output: str, text: str) -> str:
    """The number to type to tap the button labelled `text` in the rendered output."""
    found = re.findall(rf"\[(\d+)\] {re.escape(text)}(?:  |$)", output, re.MULTILINE)
    assert found, f"no button {text!r} in:\n{output}"
    return found[-1]


def an_ordinary_working_day(calendar: WorkCalendar, today: date) -> date:
    """The latest working day up to today that is not a week's first: its digest comes without the
    weekly report, whose charts take seconds to draw."""
    day = today
    while True:
        before = day - timedelta(days=1)
        while not calendar.is_workday(before):
            before -= timedelta(days=1)
        if calendar.is_workday(day) and before.isocalendar()[:2] == day.isocalendar()[:2]:
            return day
        day -= timedelta(days=1)


@pytest.fixture
async def sandbox():
    box = Sandbox(language="en", tick_seconds=600)  # the tests beat by moving the clock, or call tick()
    greeting = await box.start()
    assert "Hello, Alex" in greeting and "(m1) 📝 Log a contact" in greeting
    try:
        yield box
    finally:
        await box.stop()
    assert box.errors == [], f"handlers raised: {box.errors!r}"


async def test_logging_a_contact_by_numbers(sandbox: Sandbox) -> None:
    picker = await sandbox.act("m1")
    assert "ООО «Ромашка»" in picker and "АО «Вектор»" in picker
    kinds = await sandbox.act(number(picker, "АО «Вектор»"))
    outcomes = await sandbox.act(number(kinds, "🤝 Meeting"))
    steps = await sandbox.act(number(outcomes, "✅ Agreed"))
    saved = await sandbox.act(number(steps, "In a week"))
    assert "⟨toast⟩ Saved" in saved and "✅ Saved" in saved and "(edited)" in saved
    assert "📍 Checked in at «АО «Вектор»»" in await sandbox.act(":here")  # the menu's location button
    async with sandbox.sessionmaker() as session:
        item = await session.scalar(
            select(Interaction)
            .join(Client)
            .where(Client.name == "АО «Вектор»", Interaction.status == Status.DONE, Interaction.kind == Kind.MEETING)
            .order_by(Interaction.id.desc())
            .limit(1)
        )
        step = await session.get(Interaction, item.next_step_id)
    assert item.status == Status.DONE and item.outcome == Outcome.AGREED and item.amount_minor is None
    assert step.status == Status.PLANNED


async def test_stranger_then_invited_colleague(sandbox: Sandbox) -> None:
    assert "Now you are User 5555" in await sandbox.act(":as 5555")
    assert "invited employees only" in await sandbox.act("/start")
    assert "Now you are Alex" in await sandbox.act(":as me")
    roles = await sandbox.act("/invite")
    teams = await sandbox.act(number(roles, "Manager"))
    invite = await sandbox.act(number(teams, "Продажи Москва"))
    code = LINK.search(invite).group(1)
    await sandbox.act(":as 5555")
    welcome = await sandbox.act(f"/start {code}")
    assert "Welcome to Ladon, User 5555" in welcome and "(m1) 📝 Log a contact" in welcome
    assert "Your time zone is Moscow (UTC+3)" in welcome  # asked at sign-up, with buttons
    assert "Timezone: Kaliningrad (UTC+2)" in await sandbox.act("1")
    assert "Unknown command" in await sandbox.act(":nope")
    async with sandbox.sessionmaker() as session:
        joined = await session.scalar(select(User).where(User.tg_id == 5555))
        team = await session.scalar(select(Team).where(Team.name == "Продажи Москва"))
    assert joined.role == Role.MANAGER and joined.team_id == team.id


async def test_the_admin_sees_the_whole_demo_company_and_a_head_their_team(sandbox: Sandbox, tmp_path) -> None:
    async with sandbox.sessionmaker() as session:
        me = await session.scalar(select(User).where(User.tg_id == ME))
    assert me.role == Role.ADMIN and me.team_id is None
    managers = [c for c in sandbox.colleagues if c.role == Role.MANAGER]
    assert len(managers) == 12 and sum(c.planted for c in managers) == 6
    team = await sandbox.act("/team")
    assert DIGEST.search(team) and all(c.name in team for c in managers)  # both teams
    report = await sandbox.act("/report")
    assert "⚠️" not in report and "the bot failed" not in report
    # the Excel file of a report is saved where the person can open it
    scope = await sandbox.act(number(report, "Last week"))
    shown = await sandbox.act(number(scope, "🏢 Everyone"))
    sent = await sandbox.act(number(shown, "📥 Excel"))
    saved = re.search(r"\[document: (ladon-\S+\.xlsx), saved to (\S+\.xlsx)\] ", sent)
    assert saved, sent[-400:]
    import openpyxl

    book = openpyxl.load_workbook(saved.group(2), read_only=True)
    assert len(list(book.worksheets[0].iter_rows(values_only=True))) == 1 + len(managers)
    about = await sandbox.act(":help")
    assert "8000901" in about and "head of Продажи Москва" in about and "head of Продажи Регионы" in about
    assert 'manager: refusals mostly "budget"' in about and ":time [when]" in about
    trained = next(c for c in managers if "after the training" in c.about)
    trainings = await sandbox.act("/training")  # the planted training is recorded: its effect can be read
    effect = await sandbox.act(re.search(r"\[(\d+)\] [^\n]* · Работа с возражениями", trainings).group(1))
    assert trained.name in effect and "the bot failed" not in effect
    # the admin imports a base from a file on this computer
    path = tmp_path / "clients.csv"
    path.write_bytes("Наименование;ИНН;Город\nООО «Ромашка»;;Тула\nНовый клиент;7707083893;Тверь\n".encode("cp1251"))
    preview = await sandbox.act(f":file {path}")
    assert "Import of «clients.csv»" in preview and "Rows updating existing clients: 1" in preview
    people = await sandbox.act(number(preview, "👤 One manager for all new clients"))
    preview = await sandbox.act(number(people, managers[0].name))
    done = await sandbox.act(number(preview, "✅ Import"))
    assert "Clients created: 1" in done and "Existing clients updated: 1" in done

    head = next(c for c in sandbox.colleagues if c.about == "head of Продажи Москва")
    assert f"Now you are {head.name} (id {head.tg_id})" in await sandbox.act(f":as {head.tg_id}")
    own = await sandbox.act("/team")
    async with sandbox.sessionmaker() as session:
        mine = set(await session.scalars(select(User.full_name).join(Team).where(
            Team.name == "Продажи Москва", User.role == Role.MANAGER)))
    assert len(mine) == 6 and all(name in own for name in mine)
    assert not any(c.name in own for c in managers if c.name not in mine)


async def test_nine_o_clock_brings_a_head_the_morning_digest_with_its_charts(sandbox: Sandbox) -> None:
    day = an_ordinary_working_day(WorkCalendar.from_settings(sandbox.settings), local_today(sandbox.clock(), MOSCOW))
    head = next(c for c in sandbox.colleagues if c.about == "head of Продажи Москва")
    await sandbox.act(f":as {head.tg_id}")
    noon = await sandbox.act(f":time {day.isoformat()} 12:00")
    assert f"Sandbox time: {day:%a %d %b %Y} 12:00 ({MOSCOW})" in noon and not DIGEST.search(noon)

    # 09:00 of the same day is in the past: still set, and that morning's messages come
    morning = await sandbox.act(":time 09:00")
    assert f"Sandbox time: {day:%a %d %b %Y} 09:00 ({MOSCOW})" in morning
    heads_chat, admins_chat = morning.split("── in the chat of Alex (id 1001) ──")
    assert DIGEST.search(heads_chat) and DIGEST.search(admins_chat)
    charts = PHOTO.findall(heads_chat)
    assert len(charts) >= 2 and all(Path(chart).read_bytes().startswith(b"\x89PNG") for chart in charts)
    assert "Reminders due by now, across the company: " in morning and " sent" in morning

    again = await sandbox.act(":time 09:00")  # each reminder is sent once
    assert not DIGEST.search(again) and "across the company: none" in again and "once a day" in again


async def test_time_refuses_what_it_cannot_read_and_moves_the_bot_s_clock(sandbox: Sandbox) -> None:
    assert f"({MOSCOW}), real time." in await sandbox.act(":time")
    for bad in ("25:00", "9:75", "2026-02-30 10:00", "tomorrow", "+1y", "+99999d", "1999-12-31 10:00", "+"):
        refused = await sandbox.act(f":time {bad}")
        assert "The clock stays at" in refused and "Usage: :time 09:00" in refused, bad
        assert sandbox.clock.offset == timedelta(0)

    assert "ИП Смирнов" not in await sandbox.act("/today")  # the call is planned for tomorrow
    ahead = await sandbox.act(":time +1d")
    assert "1 d ahead of real time" in ahead and "Reminders due by now" in ahead
    assert timedelta(hours=23, minutes=59) < sandbox.clock.offset <= timedelta(days=1)
    assert "ИП Смирнов" in await sandbox.act("/today")  # the handlers read the sandbox clock
    assert "22 h ahead of real time" in await sandbox.act(":time -2h")
    assert "real time." in await sandbox.act(":time now") and sandbox.clock.offset == timedelta(0)

    # what the scheduler's job runs: a beat on the sandbox clock, printed without a line typed
    assert sandbox.scheduler.get_job("reminders") is not None
    printed: list[str] = []
    sandbox.on_output = printed.append
    # the demo's meeting is at 15:00 today: when the real clock has passed 14:00, the start-up's beat
    # sent its brief already, so it moves to the next 18:00 at least two hours ahead (its brief at
    # 17:00 is never next to the morning plan)
    today = local_today(sandbox.clock(), MOSCOW)
    meeting = at_local(today, MOSCOW, time(18, 0))
    if meeting - sandbox.clock() < timedelta(hours=2):
        meeting = at_local(today + timedelta(days=1), MOSCOW, time(18, 0))
    async with sandbox.sessionmaker() as session:
        planned = await session.scalar(select(Interaction).join(Client).where(
            Client.name == "ООО «Ромашка»", Interaction.status == Status.PLANNED))
        planned.planned_at = meeting
        await session.commit()
    sandbox.clock.set(meeting - timedelta(minutes=55))
    report = await sandbox.tick()
    assert report.sent and "ООО «Ромашка»" in "\n".join(printed)  # the brief before the meeting


def test_command_line_sandbox_without_a_token() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL", "REDIS_URL")}
    env.update(LADON_SANDBOX_LANG="en", PYTHONIOENCODING="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox"],
        cwd=ROOT, env=env, input="m1\n2\n:quit\n", capture_output=True, text=True, encoding="utf-8", timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "ООО «Ромашка»" in result.stdout and "What kind of contact?" in result.stdout
    assert "Bye." in result.stdout


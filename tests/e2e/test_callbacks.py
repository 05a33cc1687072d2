"""The call-back audit end to end: the weekly checklist reaches the head once (and nobody else),
marks and a comment are kept against the meetings, the verified rate reaches /report, and neither
a manager nor another team's head can see or mark a check."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, update

from db.models import AuditEntry, AuditKind, CallbackCheck, CallbackMark, Interaction, Kind, Outcome, Role, User
from db.repositories import ClientRepository, InteractionRepository
from tests.conftest import ADMIN_TG
from tests.e2e.harness import Person, seed_user

UTC = timezone.utc
HEAD, OTHER_HEAD, ANNA, BORIS, OLGA = 4000, 4001, 2001, 2002, 2003
TUESDAY = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 10:00 in Moscow, last week
MONDAY_10 = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # the audit's hour: last week is sampled


async def _meetings(sessionmaker, user, count: int, *, night_batch: bool = False) -> None:
    async with sessionmaker() as session:
        for n in range(count):
            client = await ClientRepository(session, user).create(f"{user.full_name} client {n} <b>&")
            await ClientRepository(session, user).add_contact_person(client.id, name=f"Ivan {n}", phone="+79161234567")
            happened = TUESDAY + timedelta(hours=n % 8, days=n // 8)
            # the night batch: logged at 23:10-23:20 Moscow time, hours after
            logged = TUESDAY + timedelta(hours=13, minutes=10 + 3 * n) if night_batch else happened + timedelta(minutes=20)
            item = await InteractionRepository(session, user).log(
                now=logged, client_id=client.id, kind=Kind.MEETING, outcome=Outcome.AGREED, amount_minor=5_000_000,
                note=f"Talked about the order #{n}",
            )
            item.happened_at = happened
        await session.commit()


async def test_the_head_calls_back_a_sample_of_the_team_and_managers_never_see_it(ladon, sessionmaker, clock) -> None:
    anna = await seed_user(sessionmaker, ANNA, "Anna")
    boris = await seed_user(sessionmaker, BORIS, "Boris")
    olga = await seed_user(sessionmaker, OLGA, "Olga", team="Other")
    await seed_user(sessionmaker, HEAD, "Helen", role=Role.HEAD)
    await seed_user(sessionmaker, OTHER_HEAD, "Oscar", role=Role.HEAD, team="Other")
    async with sessionmaker() as session:  # no digest: the checklist comes on its own
        await session.execute(update(User).where(User.tg_id.in_((HEAD, OTHER_HEAD))).values(mute_summary=True))
        await session.commit()
    helen, oscar = Person(ladon, HEAD, "Helen"), Person(ladon, OTHER_HEAD, "Oscar")
    managers = [Person(ladon, tg, name) for tg, name in ((ANNA, "Anna"), (BORIS, "Boris"), (OLGA, "Olga"))]
    await _meetings(sessionmaker, anna, 4, night_batch=True)
    await _meetings(sessionmaker, boris, 3)
    await _meetings(sessionmaker, olga, 2)

    clock.now = MONDAY_10 - timedelta(minutes=5)
    await ladon.reminders.tick()
    assert ladon.emu.messages(HEAD) == []  # not yet: the audit's hour is 10:00
    clock.now = MONDAY_10
    await ladon.reminders.tick()
    await ladon.reminders.tick()  # a second beat sends nothing again
    sheet = [m for m in ladon.emu.messages(HEAD) if "Call-back check" in (m.text or "")]
    assert len(sheet) == 1
    text = sheet[0].text
    assert "Call-back check, meetings of Nov 23\u2009–\u200929, 2026" in text and "The managers do not see this list" in text
    assert text.count("Anna client") == 2 and text.count("Boris client") == 2 and "Olga" not in text
    assert "👤 Ivan" in text and "+7 916 123-45-67" in text and "✅ Agreed · 50,000\xa0₽" in text
    assert "client 0 &lt;b&gt;&amp;" in sheet[0].html  # a client's name is escaped
    assert "🚩 logged at 23:" in text and "at night, in a batch with other contacts" in text  # Anna's batch
    assert [len(row) for row in sheet[0].inline_keyboard] == [4, 4, 4, 4]
    assert "Call-back check" in ladon.emu.messages(OTHER_HEAD)[0].text  # Olga's head has Olga's
    for manager in managers:  # managers are told nothing
        assert ladon.emu.messages(manager.tg_id) == []

    await helen.tap("✅ 1", sheet[0])
    await helen.tap("❌ 2", sheet[0])
    assert helen.answer_to(helen.last_tap).text == "❌ Did not happen"
    edited = ladon.emu.message(HEAD, sheet[0].message_id).text
    assert "Marked: ✅ Confirmed" in edited and "Marked: ❌ Did not happen" in edited
    await helen.tap("💬 3", sheet[0])
    assert "A comment on the meeting with" in helen.last.text
    await helen.say("x" * 501)
    assert "from 1 to 500 characters" in helen.last.text
    await helen.say("The client says the manager <never> came")
    assert "Comment saved" in helen.last.text and "&lt;never&gt;" in helen.last.html

    async with sessionmaker() as session:
        checks = {c.id: c for c in await session.scalars(select(CallbackCheck))}
        olga_check = next(c for c in checks.values() if c.manager_id == olga.id)
        marked = [c for c in checks.values() if c.mark is not None]
        assert sorted(c.mark for c in marked) == [CallbackMark.CONFIRMED, CallbackMark.NOT_HAPPENED]
        gone = next(c for c in marked if c.mark == CallbackMark.NOT_HAPPENED)
        assert await session.get(Interaction, gone.interaction_id) is not None  # recorded, never deleted
        assert await session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.kind == AuditKind.VERIFY)) == 3

    # another team's check, by a forged button: refused, nothing changes
    pressed = await helen.press_raw(sheet[0], f"ck:m:{olga_check.id}:c:0:0")
    assert helen.answer_to(pressed).text == "Not found, or not yours to change."
    # a manager who asks for /checks, or forges a mark, learns nothing and changes nothing
    reply = await managers[2].say("/checks")
    assert "call back" not in reply[-1].text.lower() and "check" not in reply[-1].text.lower()
    forged = await managers[2].press_raw(reply[-1], f"ck:m:{olga_check.id}:c:0:0")
    assert managers[2].answer_to(forged).text == "This button is no longer active."
    async with sessionmaker() as session:
        assert (await session.get(CallbackCheck, olga_check.id)).mark is None

    # /checks: what is left to call back, with the same buttons
    reply = await helen.say("/checks")
    assert reply[-1].text.startswith("📞 2 meetings to call back")
    await oscar.tap("📵 1", ladon.emu.messages(OTHER_HEAD)[0])
    # the verified rate and the flags in the head's report
    await helen.say("/report")
    await helen.tap("Last week")
    await helen.tap("👥 Team: Sales")
    report = "\n".join(m.text for m in ladon.emu.messages(HEAD) if m.kind == "text" and "Report" in (m.text or "")[:12] or
                        "Verified" in (m.text or ""))
    assert "🔎 Verified meetings (call-back checks)" in report
    assert "• Anna: 1 of 2 confirmed (50%, 95% interval 9%–91%)" in report  # her two came first
    assert "• Boris" not in report.split("🔎")[1].split("🚩")[0]  # his checks are not marked yet
    assert "• Anna, 4 meetings: 4 logged at night in batches" in report and "• Boris," not in report

    # the marks read in words in /audit, and its kind filter offers every kind (an odd count once lost the last)
    admin = Person(ladon, ADMIN_TG, "Boss")
    [log] = await admin.say("/audit")
    assert "📞 call-back check of a meeting of Anna: did not happen" in log.text
    assert "📞 commented a call-back check of a meeting of" in log.text
    await admin.tap("🏷 What", log)
    picker = ladon.emu.message(ADMIN_TG, log.message_id)
    offered = {b.text for row in picker.inline_keyboard for b in row}
    assert {"⛔ Limits", "📞 Call-back checks", "📍 Client locations"} <= offered
    await admin.tap("📞 Call-back checks", picker)
    checks_only = ladon.emu.message(ADMIN_TG, log.message_id).text
    assert checks_only.count("📞 c") == 4 and "built a report" not in checks_only  # Helen's three, Oscar's one

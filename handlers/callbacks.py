"""Typed callback data. Ids that come back are never trusted: repositories re-check them."""

from __future__ import annotations

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

# Every id and page fits a signed 64-bit column: a forged button with a bigger number does not
# unpack, so it falls through to the fallback's calm "no longer active" instead of reaching SQL.
Int = Annotated[int, Field(ge=-(2**63), lt=2**63)]


def id_of(text: str) -> int:
    """An id carried as text (in `v` fields); ValueError unless it is one a column can hold."""
    if not text.isascii() or not text.isdigit() or int(text) >= 2**63:
        raise ValueError(text)
    return int(text)


class LogCb(CallbackData, prefix="lg"):
    """A step of the contact-logging flow; `f` ties the button to one run of the flow."""

    f: str
    a: str
    v: str = ""


class CalCb(CallbackData, prefix="cal"):
    """Inline calendar: `a` is nav (v=YYYY-MM), day (v=YYYY-MM-DD) or noop; `to` says what the date is for."""

    to: str
    f: str
    a: str
    v: str = ""


class PlanCb(CallbackData, prefix="pl"):
    a: str  # done | move | cancel | q1d | q3d | q7d | keep | page
    id: Int
    day: str = ""  # the plan list the button sits on: today | tomorrow
    p: Int = 0  # the list's page
    v: str = ""  # with a=at: the new time of day, HHMM


class CardCb(CallbackData, prefix="cc"):
    a: str  # note | undo | who (whom was it with?) | pp (this person) | back | when | wday | wat (it was earlier)
    id: Int  # the contact
    p: Int = 0  # a contact person


class ClientCb(CallbackData, prefix="cl"):
    a: str  # open | log | person | history (a new message) | hpage (page through it in place) | photos | loc (admins)
    id: Int
    p: Int = 0  # page of the history; with a=person, the logged contact the new person was met at


class PersonCb(CallbackData, prefix="pe"):
    a: str  # open | field | rm | rmok (a contact person) | list (id: the client)
    id: Int
    f: str = ""  # the detail to change


class SkipCb(CallbackData, prefix="sk"):
    f: str
    s: str  # the step the button skips: a button from an earlier step is stale


class InviteCb(CallbackData, prefix="iv"):
    f: str
    role: str = ""
    team: Int = 0


class RevokeCb(CallbackData, prefix="ir"):
    id: Int  # the invite


class LangCb(CallbackData, prefix="lang"):
    code: str


class UserCb(CallbackData, prefix="us"):
    a: str  # off | on | list | give (whom to?) | to (sure?) | go
    id: Int
    to: Int = 0  # who takes the base over
    p: Int = 0  # the page of /users to come back to


class ReasonCb(CallbackData, prefix="rs"):
    a: str  # on | off | add | ren (rename) | up (one place up) | cx (cancel the typing) | adv (the advice) | eadv (write it)
    id: Int = 0


class BdayCb(CallbackData, prefix="bd"):
    id: Int  # contact person


class SetCb(CallbackData, prefix="st"):
    a: str  # tz | morning | evening | lead | mute
    v: str = ""


class EditCb(CallbackData, prefix="ed"):
    f: str  # name | inn | industry | city | address | notes
    id: Int


class RepCb(CallbackData, prefix="rp"):
    a: str  # p (a period) | pp (back to whom) | cal | day | who | s (show) | x (export) | back | noop
    p: str = ""  # the period: a name, or a picked range "rYYYYMMDD-YYYYMMDD"; with cal/day the first day picked
    s: str = ""  # the scope: me | all | team | mgr
    i: Int = 0  # the team or the manager; with who, the page
    d: str = ""  # with cal: the month shown (YYYYMM); with day: the day tapped (YYYYMMDD)


class TeamCb(CallbackData, prefix="tm"):
    a: str  # open (a manager's day, as a new message) | day (another day, in place) | list (a page) | noop
    id: Int = 0  # the manager
    d: Int = 0  # the day, in days from today
    p: Int = 0  # the list's page


class SalesPlanCb(CallbackData, prefix="sp"):
    a: str  # show | edit | copy | apply | tpl (a sheet to fill in) | up (upload one) | cx
    m: str  # the month, YYYYMM
    u: Int = 0  # a manager's plan
    t: Int = 0  # or a team's


class TrainCb(CallbackData, prefix="tr"):
    a: str  # list (a page) | open | new | day | back | keep (the topic) | tog (a participant) | pp (their page) | done | save | cx
    i: Int = 0  # the training, the page, or the manager
    f: str = ""  # the recording run
    d: str = ""  # with day: YYYYMMDD


class AuditCb(CallbackData, prefix="au"):
    a: str  # l (the log) | who (pick a person) | kind (pick a kind) | noop
    u: Int = 0  # whose entries: a user; 0 everyone; -1 people who are not users
    k: str = ""  # of what kind ("": all)
    c: Int = 0  # with l: the cursor, an entry id (0: the newest page)
    d: str = ""  # with l: o (older than c) | n (newer than c)
    p: Int = 0  # with who: the page of people


class CheckCb(CallbackData, prefix="ck"):
    a: str  # m (a mark) | cm (comment) | o (a page of /checks) | noop
    id: Int = 0  # the check
    v: str = ""  # with m: c (confirmed) | n (did not happen) | u (could not reach)
    w: Int = 0  # the week's checklist the button sits on (its Monday's ordinal); 0: /checks
    p: Int = 0  # the page


class ImportCb(CallbackData, prefix="im"):
    a: str  # go (import) | who (pick a manager for all rows; u: the page) | pick (u: the person) | rows (the managers named in the rows) | cx
    f: str  # the preview these buttons belong to
    u: Int = 0

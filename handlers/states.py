from aiogram.fsm.state import State, StatesGroup


class LogContact(StatesGroup):
    client = State()
    new_client = State()
    kind = State()
    outcome = State()
    reason = State()
    amount = State()
    next_step = State()
    next_time = State()  # the optional screen of the next step's kind and time


class ClientLocation(StatesGroup):
    point = State()  # an admin sends or types where a client is


class Note(StatesGroup):
    text = State()


class Reschedule(StatesGroup):
    day = State()


class FindClient(StatesGroup):
    query = State()


class AddPerson(StatesGroup):
    name = State()
    position = State()
    phone = State()
    email = State()
    birthday = State()


class EditPerson(StatesGroup):
    value = State()


class InviteFlow(StatesGroup):
    role = State()
    team = State()
    new_team = State()


class AddReason(StatesGroup):
    title = State()
    advice = State()  # an admin's own advice for a reason


class SettingsFlow(StatesGroup):
    timezone = State()
    morning = State()
    evening = State()


class EditClient(StatesGroup):
    value = State()


class TrainingFlow(StatesGroup):
    day = State()  # a day tapped or typed
    topic = State()
    people = State()  # participants tapped
    confirm = State()


class CheckComment(StatesGroup):
    text = State()  # a head's comment on a call-back check


# steps that wait for typed text (the rest wait for a button)
TEXT_STEPS = frozenset(
    s.state
    for s in (
        LogContact.client, LogContact.new_client, LogContact.amount, LogContact.next_time, FindClient.query,
        AddPerson.name, AddPerson.position, AddPerson.phone, AddPerson.email, AddPerson.birthday,
        InviteFlow.new_team, AddReason.title, EditClient.value, ClientLocation.point, EditPerson.value, SettingsFlow.timezone, SettingsFlow.morning, SettingsFlow.evening,
        TrainingFlow.day, TrainingFlow.topic, CheckComment.text,
    )
)


class PlanEntry(StatesGroup):
    amount = State()  # a plan typed for one manager or team
    sheet = State()  # waiting for an XLSX sheet of plans
    preview = State()  # a copy or a sheet shown, waiting for ✅ Apply


class ImportFlow(StatesGroup):
    file = State()  # /import: waiting for an XLSX or CSV file of clients
    preview = State()  # a file read and previewed, waiting for ✅ Import

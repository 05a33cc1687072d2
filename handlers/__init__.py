"""aiogram routers, one per area, in a tree by audience; the order is the order of precedence.

    handlers
    ├── everyone's routers (the access middleware lets in only people who are in): start, logging,
    │   plans, clients, contact persons, settings...
    ├── heads and admins (gate: RoleIn on the router): /team, /invite, /users
    ├── admins (gate: RoleIn): access and hand-over in /users, /reasons, /audit, /import
    ├── refusals: what the others hear when they reach for those
    └── fallback: whatever nobody took

Every router is built by its module's `setup()`, fresh for each dispatcher (tests build many).
"""

from aiogram import Router

from db.models import Role


def _gated(name: str, *roles: Role) -> Router:
    from handlers.filters import RoleIn

    router = Router(name=name)
    gate = RoleIn(*roles)
    for observer in (router.message, router.callback_query):
        observer.filter(gate)
    return router


def setup() -> Router:
    from handlers import (
        admin,
        audit,
        base_import,
        birthdays,
        checkin,
        checks,
        clients,
        fallback,
        forecast,
        invite,
        log_contact,
        membership,
        people,
        plan,
        reasons,
        refusals,
        report,
        sales_plans,
        saved_card,
        settings,
        start,
        team,
        training,
    )

    root = Router(name="handlers")
    # everyone who is in: the access middleware lets nobody else this far
    root.include_routers(
        start.setup(),
        membership.setup(),
        checkin.setup(),
        log_contact.setup(),
        saved_card.setup(),
        plan.setup(),
        clients.setup(),
        people.setup(),
        invite.setup_revoking(),
        birthdays.setup(),
        settings.setup(),
        report.setup(),
        training.setup(),
        sales_plans.setup(),
        forecast.setup(),
    )
    staff = _gated("heads and admins", Role.HEAD, Role.ADMIN)
    staff.include_routers(team.setup(), invite.setup(), admin.setup(), checks.setup())
    admins = _gated("admins", Role.ADMIN)
    admins.include_routers(admin.setup_for_admins(), reasons.setup(), audit.setup(), base_import.setup())
    root.include_routers(staff, admins, refusals.setup(), fallback.setup())
    return root

"""aiogram routers, one per area; the order is the order of precedence."""

from aiogram import Router


def _fresh(template: Router) -> Router:
    """A new router with the template's handlers: a router can join only one dispatcher, and
    tests (and a restart in-process) build several."""
    router = Router(name=template.name)
    for event, observer in template.observers.items():
        router.observers[event].handlers.extend(observer.handlers)
    return router


def get_routers() -> list[Router]:
    from handlers import (
        admin,
        clients,
        fallback,
        invite,
        log_contact,
        membership,
        people,
        plan,
        reasons,
        reminders,
        settings,
        start,
        team,
    )

    modules = (
        start, membership, log_contact, plan, team, clients, people, invite, admin, reasons, reminders, settings, fallback
    )
    return [_fresh(module.router) for module in modules]

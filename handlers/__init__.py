"""aiogram routers, one per area; the order is the order of precedence."""

from aiogram import Router


def get_routers() -> list[Router]:
    from handlers import admin, clients, fallback, invite, log_contact, plan, start

    return [start.router, log_contact.router, plan.router, clients.router, invite.router, admin.router, fallback.router]

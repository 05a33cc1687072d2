"""Every query goes through a repository; the ones that touch CRM data take the acting user.
Inside an update, handlers reach them through one `Repos` handle bound to that user."""

from db.repositories.access import AccessDenied, NotFound
from db.repositories.clients import ClientRepository
from db.repositories.holder import Repos
from db.repositories.interactions import InteractionRepository
from db.repositories.invites import InviteError, InviteRepository
from db.repositories.reasons import RefusalReasonRepository
from db.repositories.system import SystemRepository
from db.repositories.users import UserRepository

__all__ = [
    "AccessDenied",
    "ClientRepository",
    "InteractionRepository",
    "InviteError",
    "InviteRepository",
    "NotFound",
    "RefusalReasonRepository",
    "Repos",
    "SystemRepository",
    "UserRepository",
]

"""Who may see what: managers their own records, heads their team's, admins everything."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, true

from db.models import Role, User


class NotFound(LookupError):
    """No such record, or not one the acting user may see (deliberately indistinguishable)."""


class AccessDenied(PermissionError):
    """The acting user's role does not allow this action."""


def owned_by_scope(actor: User, owner_column) -> ColumnElement[bool]:
    """A WHERE clause limiting `owner_column` (a users.id column) to what `actor` may see."""
    if actor.role == Role.ADMIN:
        return true()
    if actor.role == Role.HEAD and actor.team_id is not None:
        team = select(User.id).where(User.team_id == actor.team_id).scalar_subquery()
        return (owner_column == actor.id) | owner_column.in_(team)
    return owner_column == actor.id


def can_invite(actor: User) -> bool:
    return actor.role in (Role.ADMIN, Role.HEAD)


def invitable_roles(actor: User) -> tuple[Role, ...]:
    if actor.role == Role.ADMIN:
        return (Role.MANAGER, Role.HEAD, Role.ADMIN)
    if actor.role == Role.HEAD:
        return (Role.MANAGER,)
    return ()

"""Who may see what: managers their own records, heads their team's, admins everything."""

from __future__ import annotations

from sqlalchemy import ColumnElement, bindparam, select, true

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


def require_admin(actor: User | None) -> User:
    """The acting user, when an admin; AccessDenied for anyone else."""
    if actor is None or actor.role != Role.ADMIN:
        raise AccessDenied
    return actor


def scope_key(actor: User) -> str:
    """Which of `scopes_by_key` applies to `actor`; its parameters are `scope_params(actor)`."""
    if actor.role == Role.ADMIN:
        return "all"
    return "team" if actor.role == Role.HEAD and actor.team_id is not None else "own"


def scope_params(actor: User) -> dict[str, int | None]:
    return {"scope_actor": actor.id, "scope_team": actor.team_id}


def scopes_by_key(owner_column) -> dict[str, ColumnElement[bool]]:
    """`owned_by_scope` with the actor as bound parameters, for statements built once."""
    team = select(User.id).where(User.team_id == bindparam("scope_team")).scalar_subquery()
    own = owner_column == bindparam("scope_actor")
    return {"all": true(), "team": own | owner_column.in_(team), "own": own}


def can_invite(actor: User) -> bool:
    return actor.role in (Role.ADMIN, Role.HEAD)


def invitable_roles(actor: User) -> tuple[Role, ...]:
    if actor.role == Role.ADMIN:
        return (Role.MANAGER, Role.HEAD, Role.ADMIN)
    if actor.role == Role.HEAD:
        return (Role.MANAGER,)
    return ()

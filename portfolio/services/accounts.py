"""Changes to who a user is on the site: their role, and the record of staff signing in."""

from __future__ import annotations

from http import HTTPStatus

from django.db import transaction
from django.utils.translation import gettext as _

from portfolio.errors import DomainError
from portfolio.events import NoPayload, record_event
from portfolio.models import User
from portfolio.permissions import can_change_roles, is_admin_user
from portfolio.verbs import USER_LOGGED_IN, USER_ROLE_CHANGED, RoleChanged


class AccountError(DomainError):
    """A change to an account refused, with a message meant for the user."""


# Joins the caller's transaction rather than owning one: the admin saves a user's form in a
# transaction of its own, and the role must change with the rest of that form or not at all.
@transaction.atomic
def change_role(*, by: User, user_id: int, role: str) -> User:
    """Give the user another role, recording who changed it from what to what.

    Changing a role to the one held already changes nothing and records nothing. Raises
    AccountError for someone who may not change roles, or an unknown role.
    """
    if not can_change_roles(by):
        raise AccountError(
            _("Only site administrators can change a user's role."),
            code="user.cannot_change_role",
            status=HTTPStatus.FORBIDDEN,
        )
    if role not in User.Role.values:
        raise AccountError(_("Choose one of the roles."), code="user.unknown_role", field="role")
    user = User.objects.select_for_update().get(pk=user_id)
    if user.role == role:
        return user
    previous = user.role
    user.role = role
    user.save(update_fields=["role"])
    record_event(
        USER_ROLE_CHANGED,
        by=by,
        target=user,
        owner=user,
        payload=RoleChanged(from_role=previous, to_role=role),
    )
    return user


@transaction.atomic
def record_admin_login(*, user: User) -> None:
    """Record that a user who may use the admin (staff or a superuser) has signed in.

    Called from allauth's user_logged_in signal (portfolio.apps), for every login: the admin
    has no login of its own (config/urls.py), so this is where its users arrive. Others'
    logins are not recorded; they change nothing anyone audits.
    """
    if not is_admin_user(user):
        return
    record_event(USER_LOGGED_IN, by=user, target=user, owner=user, payload=NoPayload())

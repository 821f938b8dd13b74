"""Changes to who a user is on the site: making an account in the admin, its role, whether it
is active, staff or a superuser, and the record of staff signing in.

The admin's user forms call these for every such change, so each one is in the event log
with who made it. They join the caller's transaction rather than owning one: the admin
saves a user's form in a transaction of its own, and each change must commit with the rest
of that form or not at all.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Literal

from django.db import transaction
from django.utils.translation import gettext as _

from portfolio.errors import DomainError
from portfolio.events import EventType, NoPayload, record_event
from portfolio.models import User
from portfolio.permissions import can_manage_accounts, is_admin_user
from portfolio.verbs import (
    USER_CREATED,
    USER_DEACTIVATED,
    USER_LOGGED_IN,
    USER_REACTIVATED,
    USER_ROLE_CHANGED,
    USER_STAFF_STATUS_SET,
    USER_SUPERUSER_STATUS_SET,
    RoleChanged,
    StaffStatusSet,
    SuperuserStatusSet,
    UserCreated,
)


class AccountError(DomainError):
    """A change to an account refused, with a message meant for the user."""


def _ensure_can_manage_accounts(by: User) -> None:
    if not can_manage_accounts(by):
        raise AccountError(
            _("Only site administrators can change a user's account."),
            code="user.cannot_manage_accounts",
            status=HTTPStatus.FORBIDDEN,
        )


def _ensure_known_role(role: str) -> None:
    if role not in User.Role.values:
        raise AccountError(_("Choose one of the roles."), code="user.unknown_role", field="role")


@transaction.atomic
def create_user(*, by: User, email: str, role: str, password: str | None) -> User:
    """Make an account with this address and role, recording who made it.

    password=None makes an account that cannot sign in until its owner sets a password
    (through a password reset). The address must already be checked and normalised (the
    admin's form does both); a taken one fails on the unique constraint. Raises AccountError
    for someone who may not manage accounts, or an unknown role.
    """
    _ensure_can_manage_accounts(by)
    _ensure_known_role(role)
    # A password of None is stored as an unusable one (set_password).
    user = User.objects.create_user(email=email, password=password, role=role)
    record_event(
        USER_CREATED,
        by=by,
        target=user,
        owner=user,
        payload=UserCreated(role=role, has_password=password is not None),
    )
    return user


@transaction.atomic
def change_role(*, by: User, user_id: int, role: str) -> User:
    """Give the user another role, recording who changed it from what to what.

    Changing a role to the one held already changes nothing and records nothing. Raises
    AccountError for someone who may not change roles, or an unknown role.
    """
    if not can_manage_accounts(by):
        raise AccountError(
            _("Only site administrators can change a user's role."),
            code="user.cannot_change_role",
            status=HTTPStatus.FORBIDDEN,
        )
    _ensure_known_role(role)
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
def set_user_active(*, by: User, user_id: int, is_active: bool) -> User:
    """Deactivate an account (is_active=False), or reactivate it, recording who did.

    Deactivating takes everything of theirs off the public site and stops them signing in;
    nothing is deleted, so reactivating brings it all back. Records user.deactivated or
    user.reactivated; setting what is already set changes and records nothing. Raises
    AccountError for someone who may not manage accounts.
    """
    event_type = USER_REACTIVATED if is_active else USER_DEACTIVATED
    return _set_account_flag(by, user_id, "is_active", is_active, event_type, NoPayload())


@transaction.atomic
def set_staff_status(*, by: User, user_id: int, is_staff: bool) -> User:
    """Let the user into the Django admin (is_staff), or take it away, recording who did.

    What they may do there still comes from their role and permissions. Setting what is
    already set changes and records nothing. Raises AccountError for someone who may not
    manage accounts.
    """
    payload = StaffStatusSet(is_staff=is_staff)
    return _set_account_flag(by, user_id, "is_staff", is_staff, USER_STAFF_STATUS_SET, payload)


@transaction.atomic
def set_superuser_status(*, by: User, user_id: int, is_superuser: bool) -> User:
    """Make the user a site administrator (is_superuser: every permission), or stop them
    being one, recording who did.

    Setting what is already set changes and records nothing. Raises AccountError for
    someone who may not manage accounts.
    """
    payload = SuperuserStatusSet(is_superuser=is_superuser)
    return _set_account_flag(
        by, user_id, "is_superuser", is_superuser, USER_SUPERUSER_STATUS_SET, payload
    )


type _AccountFlag = Literal["is_active", "is_staff", "is_superuser"]


def _set_account_flag[P](
    by: User, user_id: int, flag: _AccountFlag, value: bool, event_type: EventType[P], payload: P
) -> User:
    # One account flag, set under a row lock; setting what is already set records nothing.
    _ensure_can_manage_accounts(by)
    user = User.objects.select_for_update().get(pk=user_id)
    if getattr(user, flag) == value:
        return user
    setattr(user, flag, value)
    user.save(update_fields=[flag])
    record_event(event_type, by=by, target=user, owner=user, payload=payload)
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

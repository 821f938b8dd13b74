"""An authentication backend that authenticates no one and grants permissions by role."""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend
from django.db.models import Model

from portfolio.permissions import AnyUser, role_admin_permissions


class RolePermissionBackend(BaseBackend):
    """Gives each role its fixed model permissions (each app grants those on its own models
    through portfolio.permissions.grant_admin_permissions).

    Object-level rules stay in the apps' permissions modules; this only opens the admin pages a
    role needs, on top of whatever ModelBackend grants through groups.
    """

    def get_all_permissions(self, user_obj: AnyUser, obj: Model | None = None) -> set[str]:
        if obj is not None:
            return set()
        return set(role_admin_permissions(user_obj))

    def has_perm(self, user_obj: AnyUser, perm: str, obj: Model | None = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj: AnyUser, app_label: str) -> bool:
        return any(perm.startswith(f"{app_label}.") for perm in role_admin_permissions(user_obj))

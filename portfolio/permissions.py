"""Who may see and change what in the portfolio: the only place these rules are written.

Views, the API, templates (through flags the views compute) and selectors all call these
functions. Fetchers raise Http404 for objects the user may not see, so their existence never
leaks; PermissionDenied is reserved for objects a user can see but may not act on.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from portfolio.models import EvidenceItem, LearnerProfile, User

type AnyUser = User | AnonymousUser


def _role(user: AnyUser) -> str | None:
    return user.role if isinstance(user, User) else None


def is_learner(user: AnyUser) -> bool:
    return _role(user) == User.Role.LEARNER


def is_assessor(user: AnyUser) -> bool:
    return _role(user) == User.Role.ASSESSOR


def is_issuer_staff(user: AnyUser) -> bool:
    return _role(user) == User.Role.ISSUER_STAFF


def is_employer(user: AnyUser) -> bool:
    return _role(user) == User.Role.EMPLOYER


def can_keep_portfolio(user: AnyUser) -> bool:
    """Evidence libraries and portfolios belong to learners only."""
    return is_learner(user)


def can_use_admin(user: AnyUser) -> bool:
    """The Django admin, which checks the same (is_active and is_staff) at its own door."""
    return isinstance(user, User) and user.is_active and user.is_staff


def can_view_evidence(user: AnyUser, item: EvidenceItem) -> bool:
    # The owner always sees their own evidence, public or not.
    if user.is_authenticated and item.owner_id == user.pk:
        return True
    # Anyone may see an item the learner chose to show, but only while the profile that
    # shows it is public: switching the profile off hides every item at once.
    if not item.is_public:
        return False
    # An owner without a profile has no public page, as in visible_evidence's join.
    try:
        return is_public_profile(item.owner.profile)
    except LearnerProfile.DoesNotExist:
        return False


def can_edit_evidence(user: AnyUser, item: EvidenceItem) -> bool:
    # Only the owner edits; no other role ever changes a learner's evidence.
    return user.is_authenticated and item.owner_id == user.pk


def visible_evidence(user: AnyUser) -> QuerySet[EvidenceItem]:
    """The QuerySet form of can_view_evidence, for lists and fetchers."""
    public = Q(is_public=True, owner__profile__is_public=True, owner__is_active=True)
    if user.is_authenticated:
        return EvidenceItem.objects.filter(Q(owner_id=user.pk) | public)
    return EvidenceItem.objects.filter(public)


def get_evidence_for(user: AnyUser, pk: int) -> EvidenceItem:
    """The item if the user may view it; Http404 otherwise."""
    try:
        return visible_evidence(user).select_related("owner__profile").get(pk=pk)
    except EvidenceItem.DoesNotExist:
        raise Http404("No such evidence.") from None


def get_editable_evidence_for(user: AnyUser, pk: int) -> EvidenceItem:
    """The item if the user may change it; Http404 otherwise (never 403, to hide existence)."""
    if not user.is_authenticated:
        raise Http404("No such evidence.")
    try:
        return EvidenceItem.objects.select_related("owner__profile").get(pk=pk, owner_id=user.pk)
    except EvidenceItem.DoesNotExist:
        raise Http404("No such evidence.") from None


def public_profiles() -> QuerySet[LearnerProfile]:
    """Profiles anyone may see: made public by their owner, whose account is active.

    Deactivating a user (is_active off, Django's way of closing an account without deleting
    what others rely on) takes their public page, their public evidence and their name in
    every list of holders off the site at once, without touching their own choices, so
    reactivating restores it as it was.
    """
    return LearnerProfile.objects.filter(is_public=True, user__is_active=True)


def is_public_profile(profile: LearnerProfile) -> bool:
    """public_profiles for one profile already read, with its user."""
    return profile.is_public and profile.user.is_active


def get_public_profile(slug: str) -> LearnerProfile:
    """A public profile; Http404 for private, deactivated or unknown ones alike."""
    try:
        return public_profiles().select_related("user").get(slug=slug)
    except LearnerProfile.DoesNotExist:
        raise Http404("No such profile.") from None


def can_edit_skills_catalogue(user: AnyUser) -> bool:
    """Whether the user may add, change or delete skill frameworks and skills.

    The catalogue is shared: every issuer's micro-credentials and every learner's evidence
    are tagged from the same skills, so renaming one changes what other organisations
    publish. It therefore belongs to the site's administrators (superusers), not to any
    issuer, whatever model permissions a role, a group or a hand-made grant may hold.
    """
    return isinstance(user, User) and user.is_active and user.is_superuser


def can_manage_accounts(user: AnyUser) -> bool:
    """Whether the user may make accounts and change others' role, staff and superuser
    status, and whether they are active (in the admin's user forms)."""
    return (
        isinstance(user, User)
        and user.is_active
        and (user.is_superuser or user.has_perm("portfolio.change_user"))
    )


def can_unpublish_evidence(user: AnyUser) -> bool:
    """Whether the user may take someone else's evidence off their public portfolio.

    Putting evidence on the page stays its owner's choice alone (portfolio.services.curation);
    site administrators may only take it down, e.g. for something that should never have
    been shown.
    """
    return (
        isinstance(user, User)
        and user.is_active
        and (user.is_superuser or user.has_perm("portfolio.change_evidenceitem"))
    )


def is_admin_user(user: AnyUser) -> bool:
    """Whether the user may sign in to the Django admin: active staff or a superuser."""
    return isinstance(user, User) and user.is_active and (user.is_staff or user.is_superuser)


# What each role may do in the Django admin, granted by portfolio.backends.RolePermissionBackend
# (so no group has to be set up by hand). Each app grants the permissions on its own models
# from its AppConfig.ready(), so this module never names the apps above it.
_role_admin_permissions: dict[str, frozenset[str]] = {}


def grant_admin_permissions(role: str, permissions: Iterable[str]) -> None:
    """Give every active user of a role these model permissions ("app_label.codename")."""
    _role_admin_permissions[role] = _role_admin_permissions.get(role, frozenset()) | frozenset(
        permissions
    )


def grant_portfolio_admin_permissions() -> None:
    """Issuer staff read the shared skills catalogue (can_edit_skills_catalogue: only
    superusers change it), from which their micro-credentials are tagged."""
    grant_admin_permissions(
        User.Role.ISSUER_STAFF, {"portfolio.view_skillframework", "portfolio.view_skill"}
    )


def role_admin_permissions(user: AnyUser) -> frozenset[str]:
    """The model permissions a user holds by their role (inactive users hold none)."""
    if not isinstance(user, User) or not user.is_active:
        return frozenset()
    return _role_admin_permissions.get(user.role, frozenset())

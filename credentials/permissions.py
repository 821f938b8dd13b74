"""Who may do what with issuers, micro-credentials and issued credentials."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from credentials.models import (
    BulkIssuance,
    ContactRequest,
    IssuedCredential,
    Issuer,
    IssuerInvitation,
    MicroCredential,
    SavedSearch,
)
from portfolio.models import LearnerProfile, User
from portfolio.permissions import (
    AnyUser,
    get_public_profile,
    grant_admin_permissions,
    is_assessor,
    is_employer,
    is_issuer_staff,
    is_learner,
    is_public_profile,
)


def can_search_directory(user: AnyUser) -> bool:
    """The employers' directory of public profiles (/directory/)."""
    # A site may open it to every visitor (DIRECTORY_IS_PUBLIC, on in the demo): it lists
    # only what each learner already made public.
    if settings.DIRECTORY_IS_PUBLIC:
        return True
    # Otherwise it is an employer's tool; a deactivated account never signs in to use it.
    return is_employer(user) and user.is_active


def can_revoke(user: AnyUser, credential: IssuedCredential) -> bool:
    # Revocation is an act of the issuing organisation, so only its own staff may do it.
    if not is_issuer_staff(user):
        return False
    return credential.issuer.staff.filter(pk=user.pk).exists()


def can_assess(user: AnyUser, micro_credential: MicroCredential) -> bool:
    # Assessors review only the micro-credentials issuer staff assigned them to.
    if not is_assessor(user):
        return False
    return micro_credential.assessors.filter(pk=user.pk).exists()


def is_holder(user: AnyUser, credential: IssuedCredential) -> bool:
    return user.is_authenticated and credential.learner_id == user.pk


def can_choose_visibility(user: AnyUser, credential: IssuedCredential) -> bool:
    # Whether a credential shows on a public page is the holder's choice alone.
    return is_holder(user, credential)


@dataclass(frozen=True)
class CredentialAccess:
    """An issued credential the user can see, with what they may do with it."""

    credential: IssuedCredential
    is_holder: bool
    can_choose_visibility: bool
    # Revoking is offered only while there is something to revoke.
    can_revoke: bool
    # Adding it to a profile elsewhere (LinkedIn) is offered to the holder until it is revoked.
    can_add_to_profile: bool


def get_credential_access(user: AnyUser, credential: IssuedCredential) -> CredentialAccess:
    """What the user may do with a credential they can see (see visible_credentials)."""
    holder = is_holder(user, credential)
    return CredentialAccess(
        credential=credential,
        is_holder=holder,
        can_choose_visibility=can_choose_visibility(user, credential),
        can_revoke=credential.revoked_at is None and can_revoke(user, credential),
        can_add_to_profile=holder and credential.revoked_at is None,
    )


def can_issue(user: AnyUser, micro_credential: MicroCredential) -> bool:
    """Whether the user may award this micro-credential to a learner.

    Awarding is an act of the issuing organisation: its own staff may award its
    micro-credentials, and so may the assessors it works with and has assigned to this one
    (who award by approving an application). Site administrators who are not its staff may
    not: being able to edit every row is not speaking for every organisation.
    """
    # A deactivated account acts for nobody, whatever its memberships still say.
    if not user.is_active:
        return False
    if is_issuer_staff(user):
        return micro_credential.issuer.staff.filter(pk=user.pk).exists()
    # Assigned to this micro-credential...
    if not can_assess(user, micro_credential):
        return False
    # ...and still one of its issuer's assessors: leaving the organisation ends the right to
    # award its credentials even if an assignment was left behind.
    return micro_credential.issuer.assessors.filter(pk=user.pk).exists()


def visible_micro_credentials() -> QuerySet[MicroCredential]:
    """Micro-credentials that exist as far as the site's pages are concerned, for everyone.

    Drafts are the issuer's work in progress, edited in the admin: no page, and no action
    such as applying, may tell anyone that a draft's slug is taken. Retired ones stay
    visible, so their holders' credentials still lead somewhere.
    """
    return MicroCredential.objects.exclude(status=MicroCredential.Status.DRAFT)


def is_visible_micro_credential(micro_credential: MicroCredential) -> bool:
    """visible_micro_credentials for one micro-credential already read."""
    return micro_credential.status != MicroCredential.Status.DRAFT


def is_open_for_applications(micro_credential: MicroCredential) -> bool:
    # Only published ones: drafts are unfinished, retired ones keep their holders only.
    return micro_credential.status == MicroCredential.Status.PUBLISHED


def is_retired(micro_credential: MicroCredential) -> bool:
    # No longer offered, but still shown: what was issued keeps its status and its pages.
    return micro_credential.status == MicroCredential.Status.RETIRED


@dataclass(frozen=True)
class MicroCredentialAccess:
    """A visible micro-credential, with what its page offers the user."""

    micro_credential: MicroCredential
    is_retired: bool
    is_open_for_applications: bool
    # The user when they are someone who holds credentials and applies for them (a
    # learner), whose page shows what they hold and their open application; else None.
    applicant: User | None
    # Applying is offered to an applicant while it is open (the page still checks that they
    # neither hold it nor have an application open).
    can_apply: bool


def get_micro_credential_access(
    user: AnyUser, micro_credential: MicroCredential
) -> MicroCredentialAccess:
    """What the user may do with a micro-credential they can see (get_micro_credential_for)."""
    applicant = user if isinstance(user, User) and is_learner(user) else None
    is_open = is_open_for_applications(micro_credential)
    return MicroCredentialAccess(
        micro_credential=micro_credential,
        is_retired=is_retired(micro_credential),
        is_open_for_applications=is_open,
        applicant=applicant,
        can_apply=applicant is not None and is_open,
    )


def get_micro_credential_for(user: AnyUser, slug: str) -> MicroCredential:
    """A visible micro-credential; Http404 for drafts and unknown slugs alike.

    Issuer staff work on drafts in the admin, so the rule is the same for every user today;
    the user is taken so a preview for them can be added here, in one place.
    """
    try:
        return visible_micro_credentials().get(slug=slug)
    except MicroCredential.DoesNotExist:
        raise Http404("No such micro-credential.") from None


def visible_credentials(user: AnyUser) -> QuerySet[IssuedCredential]:
    """Issued credentials whose public page (/c/<id>/) exists for this user.

    A credential's page is public whatever its status, so that anyone can check it. The one
    exception is a holder whose account is deactivated: nothing of theirs stays public, so
    the page is a 404, except for the issuing organisation's own staff, who may still need
    to look it up and revoke it.
    """
    public = Q(learner__is_active=True)
    if not is_issuer_staff(user):
        return IssuedCredential.objects.filter(public)
    # A subquery rather than a join on staff, so a credential is never listed twice.
    own_issuers = Issuer.objects.filter(staff=user.pk)
    return IssuedCredential.objects.filter(public | Q(issuer__in=own_issuers))


def managed_issuers(user: AnyUser) -> QuerySet[Issuer]:
    """The issuers whose micro-credentials, people and invitations the user manages.

    Site administrators (superusers) manage every issuer; issuer staff their own.
    """
    if isinstance(user, User) and user.is_active and user.is_superuser:
        return Issuer.objects.all()
    if not is_issuer_staff(user):
        return Issuer.objects.none()
    return Issuer.objects.filter(staff=user.pk)


def can_manage_issuer(user: AnyUser, issuer: Issuer) -> bool:
    return managed_issuers(user).filter(pk=issuer.pk).exists()


def can_manage_signing_keys(user: AnyUser, issuer: Issuer | None) -> bool:
    """Whether the user may make or rotate the signing key of an issuer (None: the site)."""
    # A deactivated account acts for nobody.
    if not user.is_active:
        return False
    # The site's own key signs for every issuer's learners (their records): administrators only.
    if issuer is None:
        return user.is_superuser
    # An issuer's key is its signature: whoever manages the issuer.
    return can_manage_issuer(user, issuer)


def can_publish_or_retire(user: AnyUser, micro_credential: MicroCredential) -> bool:
    """Whether the user may open a micro-credential for applications, or retire it."""
    # A deactivated account acts for nobody, whatever its memberships still say.
    if not user.is_active:
        return False
    # Whoever manages the issuer in the admin (its staff, or a site administrator) decides
    # what it offers; assessors only judge applications.
    return can_manage_issuer(user, micro_credential.issuer)


def can_change_micro_credential(user: AnyUser, micro_credential: MicroCredential) -> bool:
    """Whether the user may edit what a micro-credential says (its title, skills, level...)."""
    # The same people who decide what the issuer offers decide how it is described.
    return can_publish_or_retire(user, micro_credential)


def managed_micro_credentials(user: AnyUser) -> QuerySet[MicroCredential]:
    """The micro-credentials of the issuers the user manages, drafts included."""
    return MicroCredential.objects.filter(issuer__in=managed_issuers(user))


def people_choosable_for(user: AnyUser, *, role: str) -> QuerySet[User]:
    """Who the user may pick as an issuer's staff or assessor in the admin.

    Site administrators see everyone with the role. Issuer staff see only the people already
    in their own organisations: anyone else joins by invitation, so nobody learns the
    e-mail addresses of another organisation's people from a chooser.
    """
    people = User.objects.filter(role=role).order_by("email")
    if isinstance(user, User) and user.is_active and user.is_superuser:
        return people
    issuers = managed_issuers(user)
    if role == User.Role.ASSESSOR:
        return people.filter(assessing_for_issuers__in=issuers).distinct()
    return people.filter(issuers__in=issuers).distinct()


# What each kind of invitation needs the invitee's account to be, and makes of them.
INVITATION_ROLES: dict[str, str] = {
    IssuerInvitation.Role.STAFF: User.Role.ISSUER_STAFF,
    IssuerInvitation.Role.ASSESSOR: User.Role.ASSESSOR,
}


def visible_invitations(user: AnyUser) -> QuerySet[IssuerInvitation]:
    """Open invitations addressed to this user: their e-mail address and their role.

    Anyone else's invitation does not exist for them (Http404 from get_invitation_for).
    """
    if not isinstance(user, User) or not user.is_active:
        return IssuerInvitation.objects.none()
    roles = [kind for kind, role in INVITATION_ROLES.items() if role == user.role]
    return IssuerInvitation.objects.filter(
        email__iexact=user.email,
        role__in=roles,
        accepted_at__isnull=True,
        expires_at__gt=timezone.now(),
    )


def can_accept_invitation(user: AnyUser, invitation: IssuerInvitation) -> bool:
    """The rule visible_invitations() filters by, for one invitation already in hand."""
    # An active account...
    if not isinstance(user, User) or not user.is_active:
        return False
    # ...with the invited address and the role the invitation is for...
    if invitation.email != user.email.lower() or INVITATION_ROLES[invitation.role] != user.role:
        return False
    # ...while the invitation is open: neither accepted nor expired.
    return invitation.accepted_at is None and invitation.expires_at > timezone.now()


def makes_staff(invitation: IssuerInvitation) -> bool:
    # Accepting a staff invitation puts the invitee's work in the admin, where they go next.
    return invitation.role == IssuerInvitation.Role.STAFF


@dataclass(frozen=True)
class InvitationAccess:
    """An invitation addressed to the user, with what they may do with it."""

    invitation: IssuerInvitation
    can_accept: bool
    makes_staff: bool


def get_invitation_access(user: AnyUser, invitation: IssuerInvitation) -> InvitationAccess:
    """What the user may do with an invitation found through visible_invitations(user)."""
    return InvitationAccess(
        invitation=invitation,
        can_accept=can_accept_invitation(user, invitation),
        makes_staff=makes_staff(invitation),
    )


def get_invitation_for(user: AnyUser, pk: int) -> InvitationAccess:
    """An open invitation addressed to the user, with what they may do; Http404 otherwise."""
    try:
        invitation = visible_invitations(user).select_related("issuer").get(pk=pk)
    except IssuerInvitation.DoesNotExist:
        raise Http404("No such invitation.") from None
    return get_invitation_access(user, invitation)


def hash_invitation_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_share_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def get_invitation_for_token(token: str) -> IssuerInvitation | None:
    """The invitation whose sign-up link carries this token, in whatever state, or None.

    Holding the token (it was e-mailed to the address) is what lets someone see the
    invitation and sign up to take it; a withdrawn, replaced or made-up token finds nothing.
    """
    return (
        IssuerInvitation.objects.select_related("issuer", "invited_by")
        .filter(token_hash=hash_invitation_token(token))
        .first()
    )


def grant_credentials_admin_permissions() -> None:
    """What issuer staff may do in the admin with credentials' models (from ready()).

    They manage their own organisation's micro-credentials with their rubrics and invite its
    people (the admin narrows every list to their issuers), and see what was issued; revoking
    happens on the credential's own page, with a reason.
    """
    grant_admin_permissions(
        User.Role.ISSUER_STAFF,
        {
            "credentials.view_issuer",
            "credentials.change_issuer",
            "credentials.view_microcredential",
            "credentials.add_microcredential",
            "credentials.change_microcredential",
            "credentials.view_rubriccriterion",
            "credentials.add_rubriccriterion",
            "credentials.change_rubriccriterion",
            "credentials.delete_rubriccriterion",
            "credentials.view_rubriclevel",
            "credentials.add_rubriclevel",
            "credentials.change_rubriclevel",
            "credentials.delete_rubriclevel",
            "credentials.view_issuedcredential",
            "credentials.view_issuerinvitation",
            "credentials.add_issuerinvitation",
            "credentials.delete_issuerinvitation",
        },
    )


# --- Contact requests ------------------------------------------------------------------------


def can_send_contact_requests(user: AnyUser) -> bool:
    """Whether the user is someone who contacts learners at all: an active employer."""
    # A deactivated account acts for nobody.
    return is_employer(user) and user.is_active


def can_contact(user: AnyUser, profile: LearnerProfile, *, via_share_link: bool = False) -> bool:
    """Whether the user may write to this learner from their public page.

    `via_share_link` says the user opened the page through one of the learner's open share
    links (the caller has checked it: credentials.public.get_shared_profile). The rate limit
    and the one-open-request rule are state, checked by the service; this is who may ask at
    all. Reads the profile's user, so select it with the profile.
    """
    if not can_send_contact_requests(user):
        return False
    # Only from a page they can see: a private or deactivated profile has no page, except
    # for whoever holds a share link, which the learner gave out so that it would be read.
    if not via_share_link and not is_public_profile(profile):
        return False
    # The learner's own choice, on their profile form.
    return profile.accepts_contact_requests


def get_contactable_profile_for(user: AnyUser, slug: str) -> LearnerProfile:
    """The public profile the user may write to; Http404 for anyone else and anything else.

    Learners, assessors, issuer staff and visitors never learn that the contact page
    exists, and an employer finds none for a learner who turned requests off.
    """
    profile = get_public_profile(slug)
    if not can_contact(user, profile):
        raise Http404("No such page.")
    return profile


def visible_contact_requests(user: AnyUser) -> QuerySet[ContactRequest]:
    """The requests the user sent (an employer) or received (a learner); none for others."""
    if not isinstance(user, User) or not user.is_active:
        return ContactRequest.objects.none()
    if is_employer(user):
        return ContactRequest.objects.filter(employer=user)
    if is_learner(user):
        return ContactRequest.objects.filter(learner=user)
    return ContactRequest.objects.none()


def can_answer_contact_request(user: AnyUser, contact_request: ContactRequest) -> bool:
    # Only the learner written to answers, once.
    if not user.is_authenticated or contact_request.learner_id != user.pk:
        return False
    return contact_request.status == ContactRequest.Status.OPEN


@dataclass(frozen=True)
class ContactRequestAccess:
    """A contact request the user can see, with what they may do and read."""

    contact_request: ContactRequest
    is_learner: bool
    can_answer: bool
    # The employer's address, for the learner once they have replied (see ContactRequest).
    shows_employer_address: bool


def get_contact_request_for(user: AnyUser, pk: int) -> ContactRequestAccess:
    """A request the user sent or received, with their capabilities; Http404 otherwise."""
    contact_request = (
        visible_contact_requests(user)
        .select_related("employer", "learner__profile")
        .filter(pk=pk)
        .first()
    )
    if contact_request is None:
        raise Http404("No such contact request.")
    is_recipient = contact_request.learner_id == user.pk
    return ContactRequestAccess(
        contact_request=contact_request,
        is_learner=is_recipient,
        can_answer=can_answer_contact_request(user, contact_request),
        shows_employer_address=is_recipient
        and contact_request.status == ContactRequest.Status.REPLIED,
    )


# --- Saved searches --------------------------------------------------------------------------


def can_save_searches(user: AnyUser) -> bool:
    """Whether the user keeps saved directory searches: an active employer.

    Not everyone who may search: a public directory (DIRECTORY_IS_PUBLIC) is open to visitors
    and learners, but a daily digest of people is an employer's tool.
    """
    # A deactivated account acts for nobody, and is e-mailed no digest.
    return is_employer(user) and user.is_active


def visible_saved_searches(user: AnyUser) -> QuerySet[SavedSearch]:
    """The user's own saved searches; none for anyone who may not save searches."""
    if not isinstance(user, User) or not can_save_searches(user):
        return SavedSearch.objects.none()
    # Only one's own: what another employer looks for is their business.
    return SavedSearch.objects.filter(owner=user)


def get_saved_search_for(user: AnyUser, pk: int) -> SavedSearch:
    """One of the user's saved searches; Http404 for anyone else's and for other roles."""
    saved_search = visible_saved_searches(user).filter(pk=pk).first()
    if saved_search is None:
        raise Http404("No such saved search.")
    return saved_search


def can_bulk_issue(user: AnyUser, micro_credential: MicroCredential) -> bool:
    """Whether the user may award this micro-credential to a list of learners at once."""
    # A deactivated account acts for nobody, whatever its memberships still say.
    if not user.is_active:
        return False
    # Awarding without an application is the organisation's own act: its staff only, not
    # its assessors (who award by approving) nor site administrators who are not its staff.
    if not is_issuer_staff(user):
        return False
    # Only what it offers now: drafts are unfinished, retired ones are no longer awarded.
    if micro_credential.status != MicroCredential.Status.PUBLISHED:
        return False
    return micro_credential.issuer.staff.filter(pk=user.pk).exists()


def get_micro_credential_for_bulk_issue(user: AnyUser, slug: str) -> MicroCredential:
    """A micro-credential the user may issue in bulk; Http404 for anything else, so the
    page never tells anyone else that it exists."""
    micro_credential = MicroCredential.objects.select_related("issuer").filter(slug=slug).first()
    if micro_credential is None or not can_bulk_issue(user, micro_credential):
        raise Http404("No such micro-credential.")
    return micro_credential


def get_bulk_issuance_for(user: AnyUser, public_id: UUID | str) -> BulkIssuance:
    """A batch the user may follow: its issuer's staff only; Http404 for everyone else."""
    # Being one of the issuer's staff, not having started it: colleagues follow it too.
    if not user.is_active or not is_issuer_staff(user):
        raise Http404("No such batch.")
    batch = (
        BulkIssuance.objects.select_related("micro_credential", "issuer", "created_by")
        .filter(public_id=public_id, issuer__staff=user.pk)
        .first()
    )
    if batch is None:
        raise Http404("No such batch.")
    return batch

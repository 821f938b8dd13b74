"""What the public sees of issued credentials: the one place the rule is written.

Every page anyone may open without an account reads issued credentials through this module:
a learner's public page (/p/<slug>/), a micro-credential's list of holders, and each
credential's own page (/c/<id>/), the employers' directory (credentials.directory), and the
PDF transcript (/p/<slug>/transcript.pdf, which lists only the valid ones); a public API is to
do the same. Nothing else filters credentials for the public.

The rule
--------
A credential is **listed publicly** (on its holder's page, among a micro-credential's
holders, in any public list) while all of these hold:

- its holder shows it (``is_shown_publicly``, chosen in My credentials);
- it is not revoked;
- its holder's profile is public and their account is active
  (``portfolio.permissions.public_profiles``, the ground floor's rule for people);
- its micro-credential is published or retired (``visible_micro_credentials``): a draft has
  no public page, so nothing public points at one. A retired micro-credential's credentials
  stay listed: they were earned before it was retired and keep their own status.

Valid and expired credentials are both listed, each marked with its status at the moment
of reading, valid ones first. An expiry date passing is not a withdrawal: the learner did
earn it, and the mark says it is no longer current. A learner who would rather not show an
expired credential hides it. A list of holders names each person once, as holding the
credential validly if any of their listed credentials is valid.

Revoked credentials are never listed. Their own page still exists and says "revoked", with
the date and the reason, so that anyone holding a link to it can check.

A **share link** (``ShareLink``, made by the learner with an expiry date) shows its owner's
page to whoever holds it, exactly as the public page would be if the profile were public,
even while the profile is private: the same credentials and evidence, and never an expired
or revoked link (``get_shared_profile``). A deactivated account shows nothing, link or not.

A credential's **own page** exists for everyone whatever its status, shown or hidden, with
a public profile or a private one, because it is shared by link for checking. Only a
deactivated holder takes it off the public site (``credentials.permissions``'s
``visible_credentials``, where the issuing organisation's staff keep access to revoke it).
The page links to the holder's profile only while that profile is public.

The evidence a credential was awarded on
----------------------------------------
A credential's page names every piece of evidence it was awarded on (title and kind, from
the snapshot taken when it was issued). It **links** a piece to the holder's public page only
while anyone may see the library item it was copied from: the learner shows the item, and
their profile is public and their account active (``portfolio.permissions.visible_evidence``,
as an anonymous visitor sees it). Hiding the item, or the profile, removes the link at once;
the title stays, because it is part of what was certified.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef
from django.http import Http404

from credentials.models import (
    IssuedCredential,
    IssuedCredentialQuerySet,
    MicroCredential,
    ShareLink,
)
from credentials.permissions import hash_share_token, visible_micro_credentials
from portfolio.models import LearnerProfile, User
from portfolio.permissions import is_public_profile, public_profiles, visible_evidence


def listable_credentials() -> IssuedCredentialQuerySet:
    """The credential's own part of the rule: shown by its holder, not revoked, and its
    micro-credential published or retired; whoever holds it.

    For a document kept ahead of time (the directory's), which applies the holder's part,
    public_profiles, when it is read: an account deactivated and reactivated in the admin
    records no event, so that part must not be frozen into the document.
    """
    return (
        IssuedCredential.objects.filter(revoked_at__isnull=True)
        .shown_publicly()
        .filter(micro_credential__in=visible_micro_credentials())
    )


def public_credentials() -> IssuedCredentialQuerySet:
    """Every credential listed publicly, whatever the list (see the module's rule).

    Subqueries, not joins, so a credential is never listed twice and callers may add their
    own joins (select_related) freely.
    """
    return listable_credentials().filter(learner__in=public_profiles().values("user_id"))


class ShareLinkGone(Exception):
    """A share link that existed but has expired or been revoked (the page answers 410)."""


def get_shared_profile(*, slug: str, token: str, now: datetime) -> LearnerProfile:
    """The profile a share link opens, public or private, with its user.

    Raises Http404 for an unknown token, a token for another profile or a deactivated
    account, and ShareLinkGone for an expired or revoked link. One query.
    """
    share_link = (
        ShareLink.objects.select_related("owner__profile")
        .filter(
            token_hash=hash_share_token(token),
            owner__is_active=True,
            owner__profile__slug=slug,
        )
        .first()
    )
    if share_link is None:
        raise Http404("No such share link.")
    if not share_link.is_open_at(now):
        raise ShareLinkGone
    profile: LearnerProfile = share_link.owner.profile
    return profile


@dataclass(frozen=True)
class ShownCredential:
    """A credential with its status, as of the moment the page was read."""

    credential: IssuedCredential
    status: IssuedCredential.Status


def list_public_credentials(
    *, learner: User, now: datetime, via_share_link: bool = False
) -> list[ShownCredential]:
    """The credentials a learner's public page lists: valid ones first, then expired ones.

    Newest first within each group. Empty for a learner whose profile is not public, unless
    the page is opened through a share link (the caller has checked it with
    get_shared_profile). One query.
    """
    listed = listable_credentials() if via_share_link else public_credentials()
    credentials = (
        listed.filter(learner=learner)
        .select_related("micro_credential", "issuer")
        .order_by("-issued_at", "-pk")
    )
    shown = [ShownCredential(credential=c, status=c.status_at(now)) for c in credentials]
    # A stable sort keeps the newest first within each group.
    shown.sort(key=lambda entry: entry.status != IssuedCredential.Status.VALID)
    return shown


def _valid_for_transcript(
    listed: IssuedCredentialQuerySet, learner: User, now: datetime
) -> list[IssuedCredential]:
    # Expired credentials, which the page still lists (marked), are left out: a transcript
    # states what holds now.
    return list(
        listed.filter(learner=learner)
        .valid_at(now)
        .select_related("micro_credential", "issuer")
        .order_by("-issued_at", "-pk")
    )


def list_transcript_credentials(*, learner: User, now: datetime) -> list[IssuedCredential]:
    """The valid credentials a public transcript shows: the valid ones the public page lists.

    Newest first; one query; empty for a learner whose profile is not public.
    """
    return _valid_for_transcript(public_credentials(), learner, now)


def list_own_transcript_credentials(*, learner: User, now: datetime) -> list[IssuedCredential]:
    """The transcript a learner downloads for themself: what their public page would list.

    The same rule without the profile's side (public, account active), so a learner whose
    profile is private can still print what they chose to show; nobody else reads it. Newest
    first; one query.
    """
    return _valid_for_transcript(listable_credentials(), learner, now)


@dataclass(frozen=True)
class Holder:
    """A person in a micro-credential's list of holders."""

    profile: LearnerProfile
    initials: str
    # VALID if any of their listed credentials for it is valid, otherwise EXPIRED.
    status: IssuedCredential.Status


def list_public_holders(
    *, micro_credential: MicroCredential, now: datetime, limit: int
) -> list[Holder]:
    """The public profiles holding this micro-credential: valid holders first, then by name.

    Returns up to limit + 1 holders, so a caller can tell that there are more. One query.
    """
    listed = public_credentials().filter(micro_credential=micro_credential)
    holds_valid = listed.valid_at(now).filter(learner=OuterRef("user_id"))
    profiles = (
        public_profiles()
        .filter(user__in=listed.values("learner_id"))
        .annotate(holds_valid=Exists(holds_valid))
        .order_by("-holds_valid", "display_name", "pk")[: limit + 1]
    )
    return [
        Holder(
            profile=profile,
            initials=profile.initials,
            status=IssuedCredential.Status.VALID
            if profile.holds_valid
            else IssuedCredential.Status.EXPIRED,
        )
        for profile in profiles
    ]


def get_linked_profile_slug(learner: User) -> str:
    """The slug of the holder's profile a credential's page may link to; "" for none.

    Only a public profile is linked: a private one stays unlisted even from here. Reads the
    learner's profile, so select it with the credential.
    """
    try:
        profile = learner.profile
    except LearnerProfile.DoesNotExist:
        return ""
    return profile.slug if is_public_profile(profile) else ""


def list_public_evidence_ids(*, learner: User, item_ids: Collection[int]) -> set[int]:
    """Which of these library items of the learner anyone may see now (see the module's rule).

    One query; none when there are no items to ask about.
    """
    if not item_ids:
        return set()
    return set(
        visible_evidence(AnonymousUser())
        .filter(owner=learner, pk__in=item_ids)
        .values_list("pk", flat=True)
    )

"""What a PDF transcript and a credential's certificate show, as plain values.

Everything a document prints is gathered here into frozen dataclasses and nothing else goes
into the PDF, so a hash of these values (content_hash) names the document: the same content
gives the same bytes, which credentials.transcripts caches under that hash.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime
from uuid import UUID

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from credentials.models import IssuedCredential, MicroCredential
from credentials.public import list_own_transcript_credentials, list_transcript_credentials
from credentials.records import load_rubric_results
from credentials.selectors.credential_pages import get_credential_page
from portfolio.models import LearnerProfile, User
from portfolio.permissions import AnyUser, get_public_profile, is_public_profile


def _hash(value: object) -> str:
    encoded = json.dumps(asdict(value), sort_keys=True, default=str).encode()  # type: ignore[call-overload]
    return hashlib.sha256(encoded).hexdigest()


def credential_url(public_id: UUID | str) -> str:
    """The absolute URL of a credential's page, which QR codes and printed links point at."""
    path = reverse("credentials:credential-detail", args=[public_id])
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def short_url(url: str) -> str:
    """A URL as printed next to its QR code: without the scheme, which phones add back."""
    return url.split("://", 1)[-1]


@dataclass(frozen=True)
class RubricOutcome:
    criterion: str
    level: str


@dataclass(frozen=True)
class TranscriptEntry:
    """One valid credential as the transcript prints it."""

    public_id: str
    title: str
    issuer: str
    issued_on: date
    expires_on: date | None
    level: str
    hours: int
    skills: tuple[str, ...]
    outcome: tuple[RubricOutcome, ...]
    url: str


@dataclass(frozen=True)
class SkillCount:
    name: str
    # How many of the transcript's credentials certify it.
    count: int


@dataclass(frozen=True)
class Transcript:
    learner_id: int
    holder_name: str
    # The day, not the moment: a transcript downloaded twice on one day is the same document.
    generated_on: date
    page_size: str
    # Printed only while the profile is public.
    profile_url: str
    entries: tuple[TranscriptEntry, ...]
    skills: tuple[SkillCount, ...]

    def content_hash(self) -> str:
        return _hash(self)


def _skills_by_micro_credential(credentials: list[IssuedCredential]) -> dict[int, list[str]]:
    # One query for every credential's skills, whatever their number.
    through = MicroCredential.skills.through
    rows = (
        through.objects.filter(microcredential_id__in={c.micro_credential_id for c in credentials})
        .order_by("skill__name")
        .values_list("microcredential_id", "skill__name")
    )
    names: defaultdict[int, list[str]] = defaultdict(list)
    for micro_credential_id, name in rows:
        names[micro_credential_id].append(name)
    return names


def _entry(credential: IssuedCredential, skills: list[str]) -> TranscriptEntry:
    micro_credential = credential.micro_credential
    return TranscriptEntry(
        public_id=str(credential.public_id),
        title=micro_credential.title,
        issuer=credential.issuer.name,
        issued_on=timezone.localdate(credential.issued_at),
        expires_on=timezone.localdate(credential.expires_at) if credential.expires_at else None,
        level=str(micro_credential.get_level_display()),
        hours=micro_credential.estimated_hours,
        skills=tuple(skills),
        outcome=tuple(
            RubricOutcome(criterion=record.criterion, level=record.level)
            for record in load_rubric_results(credential.rubric_results)
        ),
        url=credential_url(credential.public_id),
    )


def _transcript(
    profile: LearnerProfile, credentials: list[IssuedCredential], now: datetime, page_size: str
) -> Transcript:
    skills = _skills_by_micro_credential(credentials)
    entries = tuple(_entry(c, skills[c.micro_credential_id]) for c in credentials)
    counts = Counter(name for entry in entries for name in entry.skills)
    profile_path = reverse("credentials:public-portfolio", args=[profile.slug])
    return Transcript(
        learner_id=profile.user_id,
        holder_name=profile.display_name,
        generated_on=timezone.localdate(now),
        page_size=page_size,
        profile_url=f"{settings.SITE_URL.rstrip('/')}{profile_path}"
        if is_public_profile(profile)
        else "",
        entries=entries,
        skills=tuple(
            SkillCount(name=name, count=count)
            for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0].lower()))
        ),
    )


def get_public_transcript(*, slug: str, now: datetime, page_size: str) -> Transcript:
    """The transcript at /p/<slug>/transcript.pdf; Http404 unless its learner allows it.

    Only a public profile of an active account (portfolio.permissions.get_public_profile)
    whose learner made the transcript public has one; every other case is the same 404, so
    the URL tells nobody which of them it is. Three queries, whatever the number of
    credentials: the profile, the credentials, their skills.
    """
    profile = get_public_profile(slug)
    if not profile.transcript_is_public:
        raise Http404("No such transcript.")
    credentials = list_transcript_credentials(learner=profile.user, now=now)
    return _transcript(profile, credentials, now, page_size)


def get_own_transcript(*, learner: User, now: datetime, page_size: str) -> Transcript:
    """The transcript a learner downloads from their dashboard, whatever their settings.

    Lists what their public page would list as valid (credentials.public); three queries.
    """
    try:
        profile = LearnerProfile.objects.select_related("user").get(user=learner)
    except LearnerProfile.DoesNotExist:
        # A learner made in the admin gets a profile on first visit to their profile page.
        raise Http404("No profile yet.") from None
    credentials = list_own_transcript_credentials(learner=learner, now=now)
    return _transcript(profile, credentials, now, page_size)


@dataclass(frozen=True)
class Certificate:
    """One credential on a page of its own: what its certificate PDF prints."""

    learner_id: int
    public_id: str
    holder_name: str
    title: str
    summary: str
    issuer: str
    issued_on: date
    expires_on: date | None
    status: str
    status_label: str
    revoked_on: date | None
    revocation_reason: str
    level: str
    hours: int
    url: str
    page_size: str

    def content_hash(self) -> str:
        return _hash(self)


def get_certificate(*, public_id: UUID, viewer: AnyUser, page_size: str) -> Certificate:
    """A credential's certificate for whoever may open its page; Http404 for anyone else.

    Follows the credential page's rule (credentials.permissions.visible_credentials): the
    certificate says what the page says, status included. One query.
    """
    page = get_credential_page(public_id=public_id, viewer=viewer)
    credential = page.credential
    micro_credential = credential.micro_credential
    return Certificate(
        learner_id=credential.learner_id,
        public_id=str(credential.public_id),
        holder_name=page.holder_name,
        title=micro_credential.title,
        summary=micro_credential.summary,
        issuer=credential.issuer.name,
        issued_on=timezone.localdate(credential.issued_at),
        expires_on=timezone.localdate(credential.expires_at) if credential.expires_at else None,
        status=str(page.status),
        status_label=str(page.status.label),
        revoked_on=timezone.localdate(credential.revoked_at) if credential.revoked_at else None,
        revocation_reason=credential.revocation_reason if credential.revoked_at else "",
        level=str(micro_credential.get_level_display()),
        hours=micro_credential.estimated_hours,
        url=credential_url(credential.public_id),
        page_size=page_size,
    )

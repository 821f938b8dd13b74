"""The public portfolio page /p/<slug>/: a learner's chosen evidence, skills and credentials."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from django.db.models import Prefetch, prefetch_related_objects
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from credentials.models import IssuedCredential
from credentials.public import ShownCredential, list_public_credentials
from portfolio import selectors as portfolio_selectors
from portfolio.files import describe_stored_file
from portfolio.models import CredentialGrouping, EvidenceItem, LearnerProfile, Skill

LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


@dataclass(frozen=True)
class PublicEvidence:
    """One item as the public page shows it."""

    item: EvidenceItem
    skills: list[Skill]
    file_label: str
    file_size: str
    link_url: str
    link_host: str


@dataclass(frozen=True)
class SkillShown:
    """A skill in the summary, with how many credentials (verified) or items (claimed) back it."""

    skill: Skill
    count: int


@dataclass(frozen=True)
class CredentialGroup:
    heading: str
    credentials: list[ShownCredential]


@dataclass(frozen=True)
class ProfileLink:
    label: str
    url: str


@dataclass(frozen=True)
class PublicPortfolio:
    profile: LearnerProfile
    initials: str
    description: str
    items: list[PublicEvidence]
    # Backed by a credential that is valid now and listed publicly.
    verified_skills: list[SkillShown]
    # Tagged on public evidence only.
    claimed_skills: list[SkillShown]
    credentials: list[ShownCredential]
    credential_groups: list[CredentialGroup]
    links: list[ProfileLink]
    # When the page next changes by itself (a shown credential expiring); None for never.
    changes_at: datetime | None


def safe_link(url: str) -> tuple[str, str]:
    """The URL and its host if it is an absolute http(s) link; ("", "") otherwise."""
    # Forms accept http(s) only; checking again here means a row written any other way
    # (admin, shell, import) can never put a javascript: link on a public page.
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return "", ""
    return url, parts.hostname or parts.netloc


def _public_evidence(item: EvidenceItem) -> PublicEvidence:
    link_url, link_host = safe_link(item.url) if item.kind == EvidenceItem.Kind.LINK else ("", "")
    return PublicEvidence(
        item=item,
        skills=list(item.skills.all()),
        file_label=describe_stored_file(item.file.name) if item.has_file else "",
        file_size=filesizeformat(item.file_size) if item.file_size else "",
        link_url=link_url,
        link_host=link_host,
    )


def _description(profile: LearnerProfile) -> str:
    text = profile.headline or " ".join(profile.bio.split())
    if not text:
        return f"The skills portfolio of {profile.display_name}."
    return text if len(text) <= 160 else text[:159].rstrip() + "…"


def _by_count(counts: Counter[int], skills_by_id: dict[int, Skill]) -> list[SkillShown]:
    return sorted(
        (SkillShown(skill=skills_by_id[pk], count=n) for pk, n in counts.items()),
        key=lambda shown: (-shown.count, shown.skill.name.lower()),
    )


def _skill_summary(
    items: list[PublicEvidence], credentials: list[ShownCredential]
) -> tuple[list[SkillShown], list[SkillShown]]:
    verified: Counter[int] = Counter()
    claimed: Counter[int] = Counter()
    skills_by_id: dict[int, Skill] = {}
    for shown in credentials:
        # An expired credential no longer vouches for anything; its skills fall back to
        # claimed if evidence tags them.
        if shown.status != IssuedCredential.Status.VALID:
            continue
        for skill in shown.credential.micro_credential.skills.all():
            verified[skill.pk] += 1
            skills_by_id[skill.pk] = skill
    for entry in items:
        for skill in entry.skills:
            if skill.pk not in verified:
                claimed[skill.pk] += 1
                skills_by_id[skill.pk] = skill
    return _by_count(verified, skills_by_id), _by_count(claimed, skills_by_id)


def _group_credentials(credentials: list[ShownCredential], grouping: str) -> list[CredentialGroup]:
    groups: dict[str, list[ShownCredential]] = {}
    ungrouped: list[ShownCredential] = []
    for shown in credentials:
        if grouping == CredentialGrouping.SKILL:
            skills = list(shown.credential.micro_credential.skills.all())
            if not skills:
                ungrouped.append(shown)
            # A credential certifying three skills is listed under each of them.
            for skill in skills:
                groups.setdefault(skill.name, []).append(shown)
        else:
            groups.setdefault(shown.credential.issuer.name, []).append(shown)
    # Groups come in the order of their first credential, so the valid, newest ones lead.
    ordered = [
        CredentialGroup(heading=heading, credentials=shown) for heading, shown in groups.items()
    ]
    if ungrouped:
        ordered.append(CredentialGroup(heading=_("Other skills"), credentials=ungrouped))
    return ordered


def _links(profile: LearnerProfile) -> list[ProfileLink]:
    candidates = [
        (_("Website"), profile.website_url),
        ("LinkedIn", profile.linkedin_url),
        ("GitHub", profile.github_url),
    ]
    return [
        ProfileLink(label=label, url=url) for label, url in candidates if url and safe_link(url)[0]
    ]


def _changes_at(credentials: list[ShownCredential]) -> datetime | None:
    expiries = [
        shown.credential.expires_at
        for shown in credentials
        if shown.status == IssuedCredential.Status.VALID and shown.credential.expires_at
    ]
    return min(expiries, default=None)


def build_portfolio(
    *, profile: LearnerProfile, now: datetime, via_share_link: bool = False
) -> PublicPortfolio:
    """What a profile's public page shows, as of now; the caller has decided it may be seen.

    Four queries whatever the number of items and credentials: the items, their skills, the
    credentials shown and their micro-credentials' skills.
    """
    items = [
        _public_evidence(item)
        for item in portfolio_selectors.list_public_evidence(owner=profile.user)
    ]
    credentials = list_public_credentials(
        learner=profile.user, now=now, via_share_link=via_share_link
    )
    prefetch_related_objects(
        [shown.credential.micro_credential for shown in credentials],
        Prefetch("skills", queryset=Skill.objects.only("id", "name", "slug")),
    )
    verified, claimed = _skill_summary(items, credentials)
    return PublicPortfolio(
        profile=profile,
        initials=profile.initials,
        description=_description(profile),
        items=items,
        verified_skills=verified,
        claimed_skills=claimed,
        credentials=credentials,
        credential_groups=_group_credentials(credentials, profile.group_credentials_by),
        links=_links(profile),
        changes_at=_changes_at(credentials),
    )


def linkedin_add_to_profile_url(credential: IssuedCredential, *, credential_url: str) -> str:
    """LinkedIn's "Add to profile" form, filled in with this credential.

    The certification's name, the issuing organisation's name, the month and year of issue
    (and of expiry, where there is one), its page and its identifier.
    """
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": credential.micro_credential.title,
        "organizationName": credential.issuer.name,
        "issueYear": str(credential.issued_at.year),
        "issueMonth": str(credential.issued_at.month),
    }
    if credential.expires_at is not None:
        params["expirationYear"] = str(credential.expires_at.year)
        params["expirationMonth"] = str(credential.expires_at.month)
    params["certUrl"] = credential_url
    params["certId"] = str(credential.public_id)
    return f"{LINKEDIN_ADD_TO_PROFILE}?{urlencode(params)}"

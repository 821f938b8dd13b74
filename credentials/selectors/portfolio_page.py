"""The public portfolio page /p/<slug>/: a learner's chosen evidence, skills and credentials."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from credentials.public import (
    ShownCredential,
    list_public_credentials,
)
from portfolio import selectors as portfolio_selectors
from portfolio.files import describe_stored_file
from portfolio.models import EvidenceItem, LearnerProfile, Skill
from portfolio.permissions import get_public_profile


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
    skill: Skill
    count: int


@dataclass(frozen=True)
class PublicPortfolio:
    profile: LearnerProfile
    initials: str
    description: str
    items: list[PublicEvidence]
    skills_shown: list[SkillShown]
    credentials: list[ShownCredential]


def _safe_link(url: str) -> tuple[str, str]:
    # The evidence form accepts http(s) only; checking again here means a row written any
    # other way (admin, shell, import) can never put a javascript: link on a public page.
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return "", ""
    return url, parts.hostname or parts.netloc


def _public_evidence(item: EvidenceItem) -> PublicEvidence:
    link_url, link_host = _safe_link(item.url) if item.kind == EvidenceItem.Kind.LINK else ("", "")
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


def get_public_portfolio(*, slug: str) -> PublicPortfolio:
    """A public profile with its chosen items in order; Http404 unless the profile is public.

    Four queries whatever the number of items and credentials: the profile, the items,
    their skills and the credentials shown.
    """
    profile = get_public_profile(slug)
    items = [
        _public_evidence(item)
        for item in portfolio_selectors.list_public_evidence(owner=profile.user)
    ]
    counts: Counter[int] = Counter()
    skills_by_id: dict[int, Skill] = {}
    for entry in items:
        for skill in entry.skills:
            counts[skill.pk] += 1
            skills_by_id[skill.pk] = skill
    skills_shown = sorted(
        (SkillShown(skill=skills_by_id[pk], count=n) for pk, n in counts.items()),
        key=lambda shown: (-shown.count, shown.skill.name.lower()),
    )
    return PublicPortfolio(
        profile=profile,
        initials=profile.initials,
        description=_description(profile),
        items=items,
        skills_shown=skills_shown,
        credentials=list_public_credentials(learner=profile.user, now=timezone.now()),
    )

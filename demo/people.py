"""The demo's people: logins, learners' profiles and evidence libraries, and the skills they use.

One way to make a demo user, profile or library, whoever it is for (the four logins, Amara,
the learners in the assessor's queue). Idempotent: users are keyed by e-mail, skills by
framework and name, and evidence by (owner, title), so re-running adds nothing twice. Content
goes through the same services the product uses, so the committed images and PDFs are checked,
re-encoded and thumbnailed as real uploads are.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile

from demo.specs import (
    Asset,
    DemoData,
    DemoDataError,
    EvidenceSpec,
    LearnerSpec,
    UserSpec,
    display_path,
)
from portfolio.models import EvidenceItem, LearnerProfile, Skill, SkillFramework, User
from portfolio.services.curation import curate_portfolio
from portfolio.services.evidence import create_evidence
from portfolio.services.profiles import ensure_profile, set_avatar, update_profile
from portfolio.services.skills import import_skills_csv

# Published in README and printed by load_demo: these accounts exist only in demo databases.
DEMO_PASSWORD = "unbundled-demo"  # noqa: S105


class TextSink(Protocol):
    def write(self, text: str, /) -> object: ...


def write_line(stdout: TextSink, line: str) -> None:
    stdout.write(line + "\n")


@dataclass(frozen=True)
class DemoPeople:
    """What the people part of the demo made, for the issuer and applications to build on."""

    learner: User
    assessor: User
    employer: User
    issuer: User
    # The demo framework's skills, by name.
    skills: dict[str, Skill]


@functools.cache
def _demo_password_hash() -> str:
    # Hashing is deliberately slow (about half a second): the demo users share one hash, made
    # only if one of them is missing.
    return make_password(DEMO_PASSWORD)


def ensure_demo_user(spec: UserSpec) -> tuple[User, bool]:
    """The demo user, created with the demo password if missing; its e-mail is verified.

    An existing one keeps a changed password and name, but gets back the role and admin flags
    the README promises.
    """
    user = User.objects.filter(email=spec.email).first()
    created = user is None
    if user is None:
        user = User.objects.create(
            email=spec.email,
            password=_demo_password_hash(),
            role=spec.role,
            first_name=spec.first_name,
            last_name=spec.last_name,
            is_staff=spec.is_staff,
            is_superuser=spec.is_superuser,
        )
    else:
        wanted = {"role": spec.role, "is_staff": spec.is_staff, "is_superuser": spec.is_superuser}
        changed = [name for name, value in wanted.items() if getattr(user, name) != value]
        for name in changed:
            setattr(user, name, wanted[name])
        if changed:
            user.save(update_fields=changed)
    # Verification is mandatory by default; without a verified address allauth would hold
    # each demo login at "confirm your e-mail".
    EmailAddress.objects.update_or_create(
        user=user, email=spec.email, defaults={"verified": True, "primary": True}
    )
    return user, created


def _upload(asset: Asset) -> SimpleUploadedFile:
    return SimpleUploadedFile(asset.name, asset.read(), content_type=asset.content_type)


def ensure_demo_profile(
    learner: User, spec: LearnerSpec, *, accepts_contact_requests: bool = True
) -> LearnerProfile:
    """The learner's profile, filled from the spec once.

    A headline means the profile was set up before (by us or by hand), and re-running the demo
    must not overwrite what someone changed while trying it out.
    """
    profile = ensure_profile(user=learner, display_name=spec.profile.display_name)
    if profile.headline:
        return profile
    profile = update_profile(
        profile_id=profile.pk,
        by=learner,
        display_name=spec.profile.display_name,
        slug=spec.profile.slug or profile.slug,
        headline=spec.profile.headline,
        bio=spec.profile.bio,
        location=spec.profile.location,
        is_public=spec.profile.is_public,
        transcript_is_public=spec.profile.transcript_is_public,
        accepts_contact_requests=accepts_contact_requests,
    )
    if spec.profile.avatar is not None and not profile.avatar:
        profile = set_avatar(profile_id=profile.pk, by=learner, upload=_upload(spec.profile.avatar))
    return profile


def ensure_demo_evidence(
    owner: User, specs: Sequence[EvidenceSpec], skills: dict[str, Skill], today: date
) -> tuple[list[EvidenceItem], int]:
    """The owner's items for these specs, in their order, and how many were created now.

    Items whose spec has a public position are put on the public page, in that order, on the
    run that creates them; a later run leaves curation to whoever is trying the demo.
    """
    existing = {
        item.title: item
        for item in EvidenceItem.objects.filter(owner=owner, title__in=[s.title for s in specs])
    }
    items, created = [], 0
    for spec in specs:
        item = existing.get(spec.title)
        if item is None:
            item = create_evidence(
                by=owner,
                kind=spec.kind,
                title=spec.title,
                description=spec.description,
                work_done_on=spec.work_done(today),
                skills=[skills[name] for name in spec.skills],
                upload=_upload(spec.file) if spec.file is not None else None,
                url=spec.url,
                body=spec.body,
            )
            created += 1
        items.append(item)
    public = sorted(
        (spec.public_position, item.pk)
        for spec, item in zip(specs, items, strict=True)
        if spec.public_position is not None
    )
    if created and public:
        curate_portfolio(by=owner, public_item_ids_in_order=[pk for _, pk in public])
    return items, created


def load_people(*, data: DemoData, today: date, stdout: TextSink) -> DemoPeople:
    """The skills framework, the demo logins and Amara's profile and library. Idempotent."""
    with data.skills_csv.open(encoding="utf-8", newline="") as source:
        # Before any of the demo's users exist, so nobody is named as importing it.
        result = import_skills_csv(by=None, source=source)
    if result.errors:
        problems = "; ".join(f"line {line}: {message}" for line, message in result.errors)
        raise DemoDataError(f"{display_path(data.skills_csv)} did not import: {problems}")
    framework = SkillFramework.objects.get(name=data.framework_name)
    skills = {skill.name: skill for skill in Skill.objects.filter(framework=framework)}
    write_line(
        stdout,
        f'Skills: "{framework.name}" has {len(skills)} skills '
        f"({result.created} new, {result.updated} updated).",
    )

    logins = {}
    for part, spec in data.logins.items():
        logins[part], new = ensure_demo_user(spec)
        write_line(stdout, f"User {spec.email}: {'created' if new else 'already there'}.")
    learner = logins["learner"]
    profile = ensure_demo_profile(learner, data.learner)
    write_line(stdout, f"Profile: {profile.display_name}, public at /p/{profile.slug}/.")
    items, created = ensure_demo_evidence(learner, data.learner.evidence, skills, today)
    write_line(
        stdout,
        f"Evidence: {created} new items for {profile.display_name} "
        f"({len(items) - created} already there).",
    )
    return DemoPeople(
        learner=learner,
        assessor=logins["assessor"],
        employer=logins["employer"],
        issuer=logins["issuer"],
        skills=skills,
    )

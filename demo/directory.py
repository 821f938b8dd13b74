"""Generated learners for the employer directory, a second issuer, and the demo employer's
message, from demo/data/directory.toml.

The learners are made from small tables with a fixed seed (random.Random), so every run makes
the same people; each goes through the services a real learner's data does (profile,
evidence, curation), and their credentials are issued and revoked by the issuers' staff.
Idempotent: a learner whose e-mail exists is left as it is, credentials are keyed by award
reference, and the contact request is sent (the search saved) only if the demo employer has
sent none (saved none).
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.utils import timezone

from credentials.models import (
    ContactRequest,
    IssuedCredential,
    Issuer,
    MicroCredential,
    SavedSearch,
)
from credentials.records import RubricResultRecord
from credentials.services import (
    issue_credential,
    revoke_credential,
    save_search,
    send_contact_request,
)
from demo.issuer import DemoIssuer, _create_micro_credential, ensure_demo_issuer
from demo.people import (
    DemoPeople,
    TextSink,
    ensure_demo_evidence,
    ensure_demo_profile,
    ensure_demo_user,
    write_line,
)
from demo.specs import (
    DATA_DIR,
    DemoData,
    EvidenceSpec,
    IssuerSpec,
    LearnerSpec,
    MicroCredentialSpec,
    ProfileSpec,
    UserSpec,
    _issuer,
    _label,
    _micro_credential,
    _read_skill_names,
    _refuse_repeats,
    _Table,
    _user,
    read_toml,
)
from portfolio.models import User


@dataclass(frozen=True)
class Kind:
    """A kind of work: what a generated learner says, shows and may hold."""

    headline: str
    bio: str
    skills: tuple[str, ...]
    micro_credentials: tuple[str, ...]
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class GeneratedLearner:
    spec: LearnerSpec
    accepts_contact_requests: bool
    # (micro-credential slug, days before the load it was issued), oldest first.
    credentials: tuple[tuple[str, int], ...]
    revokes_one: bool


@dataclass(frozen=True)
class ContactSpec:
    organisation: str
    subject: str
    body: str


@dataclass(frozen=True)
class SavedSearchSpec:
    name: str
    # The directory's query string, as its page writes it.
    query: str


@dataclass(frozen=True)
class DirectoryData:
    issuer: IssuerSpec
    issuer_staff: UserSpec
    micro_credentials: tuple[MicroCredentialSpec, ...]
    learners: tuple[GeneratedLearner, ...]
    contact_request: ContactSpec
    saved_search: SavedSearchSpec


def _kind(table: _Table, skill_names: frozenset[str], slugs: set[str]) -> Kind:
    kind = Kind(
        headline=table.text("headline"),
        bio=table.text("bio"),
        skills=table.texts("skills"),
        micro_credentials=table.texts("micro_credentials"),
        evidence=table.texts("evidence"),
    )
    for name in kind.skills:
        if name not in skill_names:
            raise table.error("skills", f"{name!r} is not a skill in skills.csv")
    for slug in kind.micro_credentials:
        if slug not in slugs:
            raise table.error("micro_credentials", f"{slug!r} is not a published micro-credential")
    if len(kind.evidence) < 2:
        raise table.error("evidence", "needs at least two titles")
    table.done()
    return kind


def _ascii(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "", text.lower())


def read_directory_data(data: DemoData, data_dir: Path | None = None) -> DirectoryData:
    """Read directory.toml and generate its learners. Raises DemoDataError."""
    file = read_toml((DATA_DIR if data_dir is None else data_dir) / "directory.toml")
    _framework, skill_names = _read_skill_names(data.skills_csv)
    micro_credentials = tuple(
        _micro_credential(table, skill_names, data.level_names)
        for table in file.tables("micro_credentials", _label("slug"))
    )
    _refuse_repeats(file, "micro_credentials", [m.slug for m in micro_credentials])
    published = {
        spec.slug
        for spec in (*data.micro_credentials, *micro_credentials)
        if spec.status == MicroCredential.Status.PUBLISHED
    }
    kinds = [_kind(table, skill_names, published) for table in file.tables("kinds")]
    # Made-up demo people, the same on every run: no secret in sight.
    rng = random.Random(file.integer("seed"))  # noqa: S311
    count = file.integer("count", minimum=1)
    domain = file.text("email_domain")
    oldest, newest = file.integer("issued_days_ago_max"), file.integer("issued_days_ago_min")
    revoked_every = file.integer("revoked_every", minimum=1)
    private_every = file.integer("private_every", minimum=1)
    no_contact_every = file.integer("no_contact_every", minimum=1)
    names = list(itertools.product(file.texts("first_names"), file.texts("last_names")))
    if count > len(names):
        raise file.error("count", f"at most {len(names)} with these names")
    locations = file.texts("locations")
    learners = []
    for number, (first, last) in enumerate(rng.sample(names, count), start=1):
        kind = rng.choice(kinds)
        held = rng.sample(
            kind.micro_credentials, rng.randint(1, min(3, len(kind.micro_credentials)))
        )
        slug = f"{_ascii(first)}-{_ascii(last)}"
        shown = rng.sample(kind.evidence, 2)
        evidence = (
            EvidenceSpec(
                title=shown[0],
                kind="link",
                description=f"{shown[0]}, from my work as a {kind.headline.lower()}.",
                skills=tuple(rng.sample(kind.skills, min(2, len(kind.skills)))),
                work_done_days_ago=rng.randint(10, 400),
                url=f"https://work.example.org/{slug}/{number}",
                public_position=1,
            ),
            EvidenceSpec(
                title=shown[1],
                kind="reflection",
                description=f"What I learned: {shown[1].lower()}.",
                skills=(rng.choice(kind.skills),),
                work_done_days_ago=rng.randint(10, 400),
                body=f"{kind.bio}\n\nThis piece of work, {shown[1].lower()}, taught me the most.",
                public_position=2,
            ),
        )
        learners.append(
            GeneratedLearner(
                spec=LearnerSpec(
                    user=UserSpec(
                        email=f"{_ascii(first)}.{_ascii(last)}@{domain}",
                        role=User.Role.LEARNER,
                        first_name=first,
                        last_name=last,
                    ),
                    profile=ProfileSpec(
                        display_name=f"{first} {last}",
                        slug=slug,
                        headline=kind.headline,
                        location=rng.choice(locations),
                        is_public=number % private_every != 0,
                        bio=kind.bio,
                    ),
                    evidence=evidence,
                ),
                accepts_contact_requests=number % no_contact_every != 0,
                credentials=tuple(
                    sorted(
                        ((slug, rng.randint(newest, oldest)) for slug in held),
                        key=lambda pair: -pair[1],
                    )
                ),
                revokes_one=number % revoked_every == 0,
            )
        )
    contact = file.table("contact_request")
    contact_request = ContactSpec(
        organisation=contact.text("organisation"),
        subject=contact.text("subject"),
        body=contact.text("body"),
    )
    contact.done()
    search = file.table("saved_search")
    saved_search = SavedSearchSpec(name=search.text("name"), query=search.text("query"))
    search.done()
    directory = DirectoryData(
        issuer=_issuer(file.table("issuer")),
        issuer_staff=_user(file.table("issuer_staff")),
        micro_credentials=micro_credentials,
        learners=tuple(learners),
        contact_request=contact_request,
        saved_search=saved_search,
    )
    file.done()
    return directory


def _issued_at(today: date, days_ago: int) -> datetime:
    return timezone.make_aware(datetime.combine(today - timedelta(days=days_ago), time(10)))


def _results(micro_credential: MicroCredential, level: str) -> list[RubricResultRecord]:
    return [
        RubricResultRecord(criterion=criterion.title, level=level, required_level=level, comment="")
        for criterion in micro_credential.criteria_set.all()
    ]


def load_directory(
    *,
    data: DemoData,
    directory: DirectoryData,
    people: DemoPeople,
    demo_issuer: DemoIssuer,
    today: date,
    stdout: TextSink,
) -> int:
    """The second issuer, the generated learners and the demo employer's message. Idempotent.

    Returns how many learners were made now.
    """
    staff, _new = ensure_demo_user(directory.issuer_staff)
    issuer = ensure_demo_issuer(directory.issuer, stdout)
    issuer.staff.add(staff)
    existing = {
        mc.slug: mc
        for mc in MicroCredential.objects.filter(
            slug__in=[spec.slug for spec in directory.micro_credentials]
        )
    }
    micro_credentials: dict[str, MicroCredential] = dict(demo_issuer.micro_credentials)
    for spec in directory.micro_credentials:
        micro_credentials[spec.slug] = existing.get(spec.slug) or _create_micro_credential(
            spec, data, issuer, people
        )
    awarders = {demo_issuer.issuer.pk: people.issuer, issuer.pk: staff}
    results = {
        slug: _results(mc, data.required_level)
        for slug, mc in MicroCredential.objects.filter(slug__in=micro_credentials)
        .prefetch_related("criteria_set")
        .in_bulk(field_name="slug")
        .items()
    }
    known = set(
        User.objects.filter(
            email__in=[learner.spec.user.email for learner in directory.learners]
        ).values_list("email", flat=True)
    )
    made = 0
    for learner in directory.learners:
        if learner.spec.user.email in known:
            continue
        user, _new = ensure_demo_user(learner.spec.user)
        ensure_demo_profile(
            user, learner.spec, accepts_contact_requests=learner.accepts_contact_requests
        )
        ensure_demo_evidence(user, learner.spec.evidence, people.skills, today)
        issued: list[IssuedCredential] = []
        for slug, days_ago in learner.credentials:
            micro_credential = micro_credentials[slug]
            issued.append(
                issue_credential(
                    by=awarders[micro_credential.issuer_id],
                    learner_id=user.pk,
                    micro_credential_id=micro_credential.pk,
                    award_reference=f"demo-directory:{user.email}:{slug}",
                    assessor_id=None,
                    evidence=[],
                    rubric_results=results[slug],
                    issued_at=_issued_at(today, days_ago),
                )
            )
        if learner.revokes_one:
            credential = issued[-1]
            revoke_credential(
                credential_id=credential.pk,
                by=awarders[credential.issuer_id],
                reason="Issued in error: the assessment was not completed.",
            )
        made += 1
    write_line(
        stdout,
        f"Directory: {made} new learners ({len(directory.learners) - made} already there), "
        f"credentials from {Issuer.objects.filter(issued__isnull=False).distinct().count()} issuers.",
    )
    _send_demo_contact_request(directory.contact_request, people)
    return made


def _send_demo_contact_request(spec: ContactSpec, people: DemoPeople) -> None:
    if ContactRequest.objects.filter(employer=people.employer).exists():
        return
    send_contact_request(
        by=people.employer,
        profile_id=people.learner.profile.pk,
        organisation=spec.organisation,
        subject=spec.subject,
        body=spec.body,
    )


def save_demo_search(directory: DirectoryData, people: DemoPeople) -> None:
    """The demo employer's saved search, unless they have one. Run once the directory is
    written: the profiles it finds then are known, and only later ones make a digest."""
    if SavedSearch.objects.filter(owner=people.employer).exists():
        return
    spec = directory.saved_search
    save_search(by=people.employer, name=spec.name, query=spec.query)

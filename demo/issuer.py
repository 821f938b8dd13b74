"""The demo issuer and its micro-credentials, from demo/data/issuer.toml.

Idempotent: the issuer is keyed by slug and each micro-credential by slug. An existing one is
left as it is (someone may have edited it in the admin while trying the demo); only the demo
staff and assessor assignments, which the README promises, are put back. A new micro-credential
is written as the admin writes one, then published (and later, if its spec says so, retired)
by the demo issuer through the credentials services.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction

from credentials.models import (
    CredentialDocument,
    IssuedCredential,
    Issuer,
    MicroCredential,
    RubricCriterion,
    RubricLevel,
)
from credentials.services import (
    generate_signing_key,
    publish_micro_credential,
    retire_micro_credential,
    sign_credential,
)
from credentials.validators import validate_badge_image
from demo.people import DemoPeople, TextSink, write_line
from demo.specs import DemoData, IssuerSpec, MicroCredentialSpec
from portfolio.models import User


@dataclass(frozen=True)
class DemoIssuer:
    """What the issuer part of the demo made, for the applications to build on."""

    issuer: Issuer
    # By slug, in the order of the data file.
    micro_credentials: dict[str, MicroCredential]


def ensure_demo_issuer(spec: IssuerSpec, stdout: TextSink) -> Issuer:
    """The issuer a demo data file describes, created with its logo if missing."""
    issuer = Issuer.objects.filter(slug=spec.slug).first()
    if issuer is None:
        issuer = Issuer(
            name=spec.name,
            slug=spec.slug,
            url=spec.url,
            email=spec.email,
            description=spec.description,
            country=spec.country,
        )
        issuer.logo.save(spec.logo.name, ContentFile(spec.logo.read()), save=False)
        issuer.save()
        write_line(stdout, f"Issuer: {issuer.name} created.")
    else:
        write_line(stdout, f"Issuer: {issuer.name} already there.")
    return issuer


def _ensure_issuer(data: DemoData, people: DemoPeople, stdout: TextSink) -> Issuer:
    issuer = ensure_demo_issuer(data.issuer, stdout)
    # The demo issuer login is how the README says to manage and revoke: keep it on the staff.
    issuer.staff.add(people.issuer)
    # ... and the demo assessor one of its assessors, so it can be assigned below.
    issuer.assessors.add(people.assessor)
    return issuer


def _create_micro_credential(
    spec: MicroCredentialSpec, data: DemoData, issuer: Issuer, people: DemoPeople
) -> MicroCredential:
    """Write it as a draft, as the admin does, and publish it as the demo issuer.

    Published even when the spec says retired: retire_demo_micro_credentials retires it after
    the applications have taken a learner through it, which is how a retired credential comes
    to have holders.
    """
    micro_credential = MicroCredential(
        issuer=issuer,
        title=spec.title,
        slug=spec.slug,
        summary=spec.summary,
        description=spec.description,
        criteria=spec.criteria,
        evidence_expected=spec.evidence_expected,
        level=spec.level,
        estimated_hours=spec.estimated_hours,
        validity_months=spec.validity_months,
        learning_outcomes=spec.learning_outcomes,
        assessment_type=spec.assessment_type,
        participation=spec.participation,
        quality_assurance=spec.quality_assurance,
        ects_credits=spec.ects_credits,
        eqf_level=spec.eqf_level,
        national_framework_level=spec.national_framework_level,
        prerequisites=spec.prerequisites,
        supervision=spec.supervision,
        grading=spec.grading,
        status=MicroCredential.Status.DRAFT,
    )
    # Checked as the admin's form checks it; stacking is set once all of them exist.
    micro_credential.full_clean(exclude=["badge_image", "stacks_towards"])
    # The same check as an upload through the admin (a square PNG of at least 200 pixels).
    # The committed badge carries no metadata to strip, so its own bytes are stored.
    badge = spec.badge.read()
    validate_badge_image(ContentFile(badge))
    micro_credential.badge_image.save(spec.badge.name, ContentFile(badge), save=False)
    with transaction.atomic():
        micro_credential.save()
        micro_credential.skills.set([people.skills[name] for name in spec.skills])
        for position, criterion_spec in enumerate(spec.rubric, start=1):
            criterion = RubricCriterion.objects.create(
                micro_credential=micro_credential,
                position=position,
                title=criterion_spec.title,
                description=criterion_spec.description,
            )
            levels = {
                name: RubricLevel.objects.create(
                    criterion=criterion, position=level_position, name=name, description=text
                )
                for level_position, (name, text) in enumerate(
                    zip(data.level_names, criterion_spec.levels, strict=True), start=1
                )
            }
            criterion.required_level = levels[data.required_level]
            criterion.save(update_fields=["required_level"])
    return publish_micro_credential(micro_credential_id=micro_credential.pk, by=people.issuer)


def load_issuer(*, data: DemoData, people: DemoPeople, stdout: TextSink) -> DemoIssuer:
    """Create (or complete) the demo issuer and its micro-credentials. Idempotent.

    Every micro-credential is assigned to the demo assessor. The ones meant to be retired stay
    published until retire_demo_micro_credentials runs.
    """
    issuer = _ensure_issuer(data, people, stdout)
    existing = {
        micro_credential.slug: micro_credential
        for micro_credential in MicroCredential.objects.filter(
            slug__in=[spec.slug for spec in data.micro_credentials]
        )
    }
    micro_credentials, created = {}, []
    for spec in data.micro_credentials:
        micro_credential = existing.get(spec.slug)
        if micro_credential is None:
            micro_credential = _create_micro_credential(spec, data, issuer, people)
            created.append(spec)
        # The README promises the demo assessor can review every demo micro-credential.
        micro_credential.assessors.add(people.assessor)
        micro_credentials[spec.slug] = micro_credential
    # Only the new ones: one already there may have been edited in the admin.
    for spec in created:
        if spec.stacks_towards:
            micro_credential = micro_credentials[spec.slug]
            micro_credential.stacks_towards = micro_credentials[spec.stacks_towards]
            micro_credential.full_clean(exclude=["badge_image"])
            micro_credential.save(update_fields=["stacks_towards"])
    write_line(
        stdout,
        f"Micro-credentials: {len(created)} new "
        f"({len(micro_credentials) - len(created)} already there).",
    )
    return DemoIssuer(issuer=issuer, micro_credentials=micro_credentials)


def retire_demo_micro_credentials(*, data: DemoData, demo: DemoIssuer, by: User) -> int:
    """Retire, as `by`, the demo micro-credentials whose spec says retired. Idempotent.

    Run after the applications, so that learners could earn them first: retiring keeps issued
    credentials valid, which is what the retired one is there to show. Returns how many were
    retired by this call; one already retired (or changed in the admin) is left as it is.
    """
    retired = 0
    for spec in data.micro_credentials:
        if spec.status != MicroCredential.Status.RETIRED:
            continue
        micro_credential = demo.micro_credentials[spec.slug]
        micro_credential.refresh_from_db(fields=["status"])
        if micro_credential.status == MicroCredential.Status.PUBLISHED:
            demo.micro_credentials[spec.slug] = retire_micro_credential(
                micro_credential_id=micro_credential.pk, by=by
            )
            retired += 1
    return retired


def sign_demo_credentials() -> int:
    """Give every issuer and the site a signing key (if it has none), and sign every unsigned
    credential. The site's key signs learners' records (credentials.vc.clr).

    Idempotent: owners keep their keys and signed credentials their documents. Returns how
    many credentials were signed now.
    """
    generate_signing_key(issuer_id=None, by=None)
    for issuer_id in Issuer.objects.values_list("pk", flat=True):
        generate_signing_key(issuer_id=issuer_id, by=None)
    unsigned = IssuedCredential.objects.exclude(
        documents__format=CredentialDocument.Format.OPEN_BADGES_3_0
    ).values_list("pk", flat=True)
    signed = 0
    for credential_id in list(unsigned):
        sign_credential(credential_id=credential_id)
        signed += 1
    return signed

"""An issued credential as an Open Badges 3.0 `OpenBadgeCredential` (VC Data Model 2.0).

    document = build_open_badge_credential(credential, issuer_id=signer.issuer_did)
    signed = signer.sign(document)

What goes where (standards digest §1.2):

- `id` is the credential's page, /c/<id>/, which also answers with the signed document
  (credentials.views.credential_page); `issuer` is a Profile whose `id` is the issuer's DID.
- `credentialSubject` names the holder only by a salted SHA-256 of their e-mail address
  (IdentityObject), never in clear; `result` gives the rubric level reached on each criterion,
  pointing at the `resultDescription` of the achievement that lists that criterion's levels.
- `evidence` lists only the items the holder shows on their public page, linked there, by
  title and kind: what the public credential page shows, nothing the assessor alone saw.
- `relatedResource` (VC 2.0 §5.3) gives, for each of those items that has a file, the file's
  address and the SHA-256 of its copy frozen at submission (`digestMultibase`, a multihash in
  base64url), so anyone holding the file can confirm it is what was assessed. The credential's
  page checks an uploaded file against these (credentials.views.file_check).
- The micro-credential's standard elements: ECTS credits as `creditsAvailable` (Open Badges),
  the rest (level, EQF and national framework levels, type of assessment, supervision, form of
  participation, quality assurance, notional workload) under our own context
  (contexts.MICRO_CREDENTIAL_V1_PATH, bundled and served on the site), which maps them to
  schema.org terms where schema.org has one.
- `credentialStatus` is the credential's Bitstring Status List entry (credentials.vc.status_list).

Every property is defined by one of the four contexts, so nothing is dropped from what is signed
(proofs.sign canonicalizes in safe mode and refuses otherwise).
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse

from credentials.models import IssuedCredential, MicroCredential, RubricCriterion
from credentials.public import get_linked_profile_slug, list_public_evidence_ids
from credentials.records import EvidenceRecord, load_evidence, load_rubric_results
from credentials.vc.canonical import JsonValue
from credentials.vc.contexts import (
    OB_V3P0_3_0_3,
    OB_V3P0_EXTENSIONS,
    VC_V2,
    micro_credential_context_url,
)
from credentials.vc.multibase import encode_sha256_digest
from credentials.vc.proofs import format_created
from credentials.vc.status_list import status_entry
from portfolio.models import Skill

OB3_SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
SCHEMA_VALIDATOR_TYPE = "1EdTechJsonSchemaValidator2019"
ACHIEVEMENT_TYPE = "MicroCredential"


def serialize_document(document: Mapping[str, JsonValue]) -> str:
    """The text a signed document is stored and handed out as (CredentialDocument.content)."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def absolute_url(path: str) -> str:
    """`path` on this site, from settings.SITE_URL (the same base the DIDs use)."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def credential_url(credential: IssuedCredential) -> str:
    """The credential's `id`: its page, which also serves the signed document."""
    return absolute_url(reverse("credentials:credential-detail", args=[credential.public_id]))


def hash_identity(identity: str, salt: str) -> str:
    """OB's hashed identity: `sha256$` + hex SHA-256 of the identity followed by the salt."""
    return "sha256$" + hashlib.sha256(f"{identity}{salt}".encode()).hexdigest()


def _file_url(field_file: object) -> str:
    url = str(getattr(field_file, "url", ""))
    # Storage on S3 gives absolute URLs already.
    return url if url.startswith(("https://", "http://")) else absolute_url(url)


def _profile(issuer_id: str, credential: IssuedCredential) -> dict[str, JsonValue]:
    issuer = credential.issuer
    profile: dict[str, JsonValue] = {
        "id": issuer_id,
        "type": ["Profile"],
        "name": issuer.name,
        "url": issuer.url,
        "email": issuer.email,
    }
    if issuer.description:
        profile["description"] = issuer.description
    if issuer.logo:
        profile["image"] = {"id": _file_url(issuer.logo), "type": "Image"}
    return profile


def _skill_search_url(skill: Skill) -> str:
    return absolute_url(f"{reverse('credentials:directory')}?skill={skill.slug}")


def _alignment(skill: Skill) -> dict[str, JsonValue]:
    alignment: dict[str, JsonValue] = {
        "type": ["Alignment"],
        "targetName": skill.name,
        # The skill's own identifier (ESCO, OSN…) where it has one; else the framework's page.
        "targetUrl": skill.uri or skill.framework.url or _skill_search_url(skill),
        "targetFramework": skill.framework.name,
    }
    if skill.code:
        alignment["targetCode"] = skill.code
    if skill.description:
        alignment["targetDescription"] = skill.description
    return alignment


def _criterion_id(achievement_id: str, criterion: RubricCriterion) -> str:
    return f"{achievement_id}#criterion-{criterion.position}"


def _result_descriptions(
    achievement_id: str, criteria: list[RubricCriterion]
) -> list[dict[str, JsonValue]]:
    descriptions: list[dict[str, JsonValue]] = []
    for criterion in criteria:
        criterion_id = _criterion_id(achievement_id, criterion)
        levels = list(criterion.levels.all())
        description: dict[str, JsonValue] = {
            "id": criterion_id,
            "type": ["ResultDescription"],
            "name": criterion.title,
            "resultType": "RubricCriterionLevel",
            "allowedValue": [level.name for level in levels],
            "rubricCriterionLevel": [
                {
                    "id": f"{criterion_id}-level-{level.position}",
                    "type": ["RubricCriterionLevel"],
                    "name": level.name,
                    **({"description": level.description} if level.description else {}),
                }
                for level in levels
            ],
        }
        required = next((lv for lv in levels if lv.pk == criterion.required_level_id), None)
        if required is not None:
            description["requiredLevel"] = f"{criterion_id}-level-{required.position}"
            description["requiredValue"] = required.name
        descriptions.append(description)
    return descriptions


def _results(
    credential: IssuedCredential, achievement_id: str, criteria: list[RubricCriterion]
) -> list[dict[str, JsonValue]]:
    # The record keeps the criterion's and level's names as they were at issue: a result
    # points at the rubric's description only while the names still match.
    by_title = {criterion.title: criterion for criterion in criteria}
    results: list[dict[str, JsonValue]] = []
    for record in load_rubric_results(credential.rubric_results):
        result: dict[str, JsonValue] = {"type": ["Result"], "value": record.level}
        criterion = by_title.get(record.criterion)
        if criterion is not None:
            criterion_id = _criterion_id(achievement_id, criterion)
            result["resultDescription"] = criterion_id
            level = next((lv for lv in criterion.levels.all() if lv.name == record.level), None)
            if level is not None:
                result["achievedLevel"] = f"{criterion_id}-level-{level.position}"
        results.append(result)
    return results


def _public_evidence(credential: IssuedCredential) -> tuple[str, list[EvidenceRecord]]:
    # The holder's public page and the records of the items they show there.
    records = load_evidence(credential.evidence_snapshot)
    if not records:
        # Nothing to show (e.g. recognition of prior learning): no need to read the profile.
        return "", []
    learner = credential.learner
    profile_slug = get_linked_profile_slug(learner)
    item_ids = {r.library_item_id for r in records if r.library_item_id is not None}
    shown = list_public_evidence_ids(learner=learner, item_ids=item_ids) if profile_slug else set()
    if not shown:
        return "", []
    return profile_slug, [record for record in records if record.library_item_id in shown]


def _evidence(profile_slug: str, records: list[EvidenceRecord]) -> list[dict[str, JsonValue]]:
    portfolio_url = absolute_url(reverse("credentials:public-portfolio", args=[profile_slug]))
    return [
        {
            "id": f"{portfolio_url}#evidence-{record.library_item_id}",
            "type": ["Evidence"],
            "name": record.title,
            "genre": record.kind_label,
        }
        for record in records
    ]


def _related_resources(records: list[EvidenceRecord]) -> list[dict[str, JsonValue]]:
    return [
        {
            # The item's file where its owner shows it; the digest is of the frozen copy, so
            # a file replaced in the library since no longer matches, as it should not.
            "id": absolute_url(reverse("portfolio:evidence-file", args=[record.library_item_id])),
            "digestMultibase": encode_sha256_digest(record.sha256),
        }
        for record in records
        if record.sha256 is not None
    ]


def _standard_elements(micro_credential: MicroCredential) -> dict[str, JsonValue]:
    elements: dict[str, JsonValue] = {
        "educationalLevel": str(micro_credential.get_level_display()),
        "timeRequired": f"PT{micro_credential.estimated_hours}H",
    }
    if micro_credential.ects_credits is not None:
        elements["creditsAvailable"] = float(Decimal(micro_credential.ects_credits))
    if micro_credential.eqf_level is not None:
        elements["eqfLevel"] = micro_credential.eqf_level
    if micro_credential.national_framework_level:
        elements["nationalFrameworkLevel"] = micro_credential.national_framework_level
    if micro_credential.assessment_type:
        elements["assessmentType"] = str(micro_credential.get_assessment_type_display())
    if micro_credential.supervision:
        elements["supervision"] = str(micro_credential.get_supervision_display())
    if micro_credential.participation:
        elements["courseMode"] = str(micro_credential.get_participation_display())
    if micro_credential.quality_assurance:
        elements["qualityAssurance"] = micro_credential.quality_assurance
    return elements


def _achievement(
    micro_credential: MicroCredential, criteria: list[RubricCriterion]
) -> tuple[str, dict[str, JsonValue]]:
    achievement_id = absolute_url(
        reverse("credentials:micro-credential-detail", args=[micro_credential.slug])
    )
    achievement: dict[str, JsonValue] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPE,
        "name": micro_credential.title,
        "description": micro_credential.description or micro_credential.summary,
        "criteria": {"id": achievement_id, "narrative": micro_credential.criteria},
    }
    if micro_credential.badge_image:
        achievement["image"] = {
            "id": _file_url(micro_credential.badge_image),
            "type": "Image",
            "caption": micro_credential.title,
        }
    skills = sorted(micro_credential.skills.all(), key=lambda skill: (skill.name, skill.pk))
    if skills:
        achievement["alignment"] = [_alignment(skill) for skill in skills]
    if criteria:
        achievement["resultDescription"] = _result_descriptions(achievement_id, criteria)
    achievement.update(_standard_elements(micro_credential))
    return achievement_id, achievement


@dataclass(frozen=True)
class AchievementSource:
    """What every credential of one micro-credential is built from: read once for a batch."""

    micro_credential: MicroCredential
    criteria: list[RubricCriterion]
    # The achievement's id and its JSON, the same in every credential of the batch.
    achievement_id: str
    achievement: dict[str, JsonValue]


def load_achievement_source(micro_credential_id: int) -> AchievementSource:
    """The micro-credential with its issuer, skills and rubric (with levels): four queries."""
    micro_credential = (
        MicroCredential.objects.select_related("issuer")
        .prefetch_related(Prefetch("skills", queryset=Skill.objects.select_related("framework")))
        .get(pk=micro_credential_id)
    )
    criteria = list(micro_credential.criteria_set.prefetch_related("levels").order_by("position"))
    achievement_id, achievement = _achievement(micro_credential, criteria)
    return AchievementSource(
        micro_credential=micro_credential,
        criteria=criteria,
        achievement_id=achievement_id,
        achievement=achievement,
    )


def build_open_badge_credential(
    credential: IssuedCredential,
    *,
    issuer_id: str,
    salt: str | None = None,
    source: AchievementSource | None = None,
) -> dict[str, JsonValue]:
    """The unsigned OB 3.0 document of `credential`, its issuer identified as `issuer_id`.

    `salt` for the holder's hashed e-mail: random unless given (tests pin it). A handful of
    queries: the rubric with its levels, the skills, and which evidence the holder shows;
    `source` (load_achievement_source) saves the first ones when building many.
    """
    if source is None:
        source = load_achievement_source(credential.micro_credential_id)
    micro_credential, criteria = source.micro_credential, source.criteria
    salt = salt if salt is not None else secrets.token_hex(16)
    # A copy: each document is its own tree, whatever a later step does to it.
    achievement_id, achievement = source.achievement_id, copy.deepcopy(source.achievement)
    subject: dict[str, JsonValue] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": hash_identity(credential.learner.email.strip().lower(), salt),
                "salt": salt,
            }
        ],
        "achievement": achievement,
    }
    if micro_credential.ects_credits is not None:
        subject["creditsEarned"] = float(Decimal(micro_credential.ects_credits))
    results = _results(credential, achievement_id, criteria)
    if results:
        subject["result"] = results
    document: dict[str, JsonValue] = {
        "@context": [VC_V2, OB_V3P0_3_0_3, OB_V3P0_EXTENSIONS, micro_credential_context_url()],
        "id": credential_url(credential),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": _profile(issuer_id, credential),
        "validFrom": format_created(credential.issued_at),
        "awardedDate": format_created(credential.issued_at),
        "name": micro_credential.title,
        "description": micro_credential.summary,
        "credentialSubject": subject,
    }
    if credential.expires_at is not None:
        document["validUntil"] = format_created(credential.expires_at)
    if achievement.get("image"):
        document["image"] = achievement["image"]
    profile_slug, public_evidence = _public_evidence(credential)
    if public_evidence:
        document["evidence"] = _evidence(profile_slug, public_evidence)
    related = _related_resources(public_evidence)
    if related:
        document["relatedResource"] = related
    document["credentialSchema"] = [{"id": OB3_SCHEMA_URL, "type": SCHEMA_VALIDATOR_TYPE}]
    document["credentialStatus"] = status_entry(credential)
    return document

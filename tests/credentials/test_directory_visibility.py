"""The directory shows exactly the profiles it should, with exactly the verified skills it
should, over random mixes of profiles and credentials (property-style: a seeded generator
and an independent oracle written from credentials.public's rule)."""

import random
from datetime import timedelta

import pytest

from credentials.directory.documents import rebuild_directory
from credentials.directory.search import DirectoryFilters, search_directory
from credentials.services import set_credential_visibility
from portfolio.models import LearnerProfile
from portfolio.services.profiles import update_profile
from tests.credentials.conftest import NOW, issue, revoke
from tests.factories import (
    EvidenceItemFactory,
    IssuerFactory,
    LearnerProfileFactory,
    MicroCredentialFactory,
    SkillFactory,
    UserFactory,
)

SEEDS = range(6)
STATES = ["valid", "expired", "revoked", "hidden", "retired", "never-expires"]


def build_world(rng):
    skills = [SkillFactory(name=f"Skill {name}") for name in "ABCDE"]
    issuers = [IssuerFactory(name=f"Issuer {n}") for n in (1, 2)]
    micro_credentials = []
    for n in range(5):
        micro_credential = MicroCredentialFactory(
            issuer=issuers[n % 2],
            title=f"Credential {n}",
            level=rng.choice(["foundational", "intermediate", "advanced"]),
            validity_months=12,
        )
        micro_credential.skills.set(rng.sample(skills, rng.randint(1, 3)))
        micro_credentials.append(micro_credential)
    forever = MicroCredentialFactory(
        issuer=issuers[0], title="Credential forever", validity_months=None
    )
    forever.skills.set(rng.sample(skills, 2))
    retired = MicroCredentialFactory(issuer=issuers[1], title="Credential retired")
    retired.skills.set(rng.sample(skills, 2))
    profiles = []
    for n in range(12):
        user = UserFactory(with_profile=False, is_active=rng.random() > 0.2)
        profile = LearnerProfileFactory(
            user=user,
            display_name=f"Person {n}",
            is_public=rng.random() > 0.3,
            in_directory=rng.random() > 0.2,
        )
        for _ in range(rng.randint(0, 3)):
            state = rng.choice(STATES)
            if state == "never-expires":
                target = forever
            elif state == "retired":
                target = retired
            else:
                target = rng.choice(micro_credentials)
            issued_at = NOW - timedelta(
                days=rng.randint(400, 800) if state == "expired" else rng.randint(1, 300)
            )
            credential = issue(user, target, issued_at=issued_at)
            if state == "revoked":
                revoke(credential)
            elif state == "hidden":
                set_credential_visibility(
                    credential_id=credential.pk, by=user, is_shown_publicly=False
                )
        for is_public in (True, False):
            if rng.random() > 0.5:
                item = EvidenceItemFactory(owner=user, is_public=is_public)
                item.skills.set(rng.sample(skills, rng.randint(1, 2)))
        profiles.append(profile)
    retired.status = "retired"
    retired.save(update_fields=["status"])
    return profiles, skills, issuers


def is_listed(profile):
    return profile.is_public and profile.user.is_active and profile.in_directory


def valid_public_credentials(profile):
    return [
        credential
        for credential in profile.user.credentials_earned.all()
        if credential.is_shown_publicly
        and credential.revoked_at is None
        and (credential.expires_at is None or credential.expires_at > NOW)
        and credential.micro_credential.status in {"published", "retired"}
    ]


def expected_skills(profile):
    verified = {
        skill.name
        for credential in valid_public_credentials(profile)
        for skill in credential.micro_credential.skills.all()
    }
    claimed = {
        skill.name
        for item in profile.user.evidence_items.filter(is_public=True)
        for skill in item.skills.all()
    } - verified
    return verified, claimed


def every_result(filters, page_size=4):
    """All pages, following the cursors; fails on a repeated profile."""
    results, cursor = [], None
    while True:
        page = search_directory(filters, now=NOW, after=cursor, page_size=page_size)
        results += page.results
        cursor = page.next_cursor
        if cursor is None:
            break
    names = [result.profile.display_name for result in results]
    assert len(names) == len(set(names)), "a profile was repeated across pages"
    return results


def check_directory(profiles, skills, issuers):
    for profile in profiles:
        profile.refresh_from_db()
        profile.user.refresh_from_db()
    listed = [profile for profile in profiles if is_listed(profile)]
    results = every_result(DirectoryFilters())
    # Every listed profile, and nothing else: no private, deactivated or opted-out one.
    assert sorted(r.profile.display_name for r in results) == sorted(p.display_name for p in listed)
    by_name = {result.profile.display_name: result for result in results}
    for profile in listed:
        verified, claimed = expected_skills(profile)
        result = by_name[profile.display_name]
        assert {skill.name for skill in result.verified_skills} == verified, profile
        assert {skill.name for skill in result.claimed_skills} == claimed, profile

    # Two skills: both must hold, verified or claimed, or verified only.
    chosen = tuple(skills[:2])
    names = {skill.name for skill in chosen}
    for verified_only in (False, True):
        wanted = sorted(
            profile.display_name
            for profile in listed
            if names
            <= (
                expected_skills(profile)[0]
                if verified_only
                else expected_skills(profile)[0] | expected_skills(profile)[1]
            )
        )
        filters = DirectoryFilters(skills=chosen, verified_only=verified_only)
        assert sorted(r.profile.display_name for r in every_result(filters)) == wanted

    # An issuer: a valid public credential from it.
    issuer = issuers[0]
    wanted = sorted(
        profile.display_name
        for profile in listed
        if any(c.issuer_id == issuer.pk for c in valid_public_credentials(profile))
    )
    filters = DirectoryFilters(issuer=issuer)
    assert sorted(r.profile.display_name for r in every_result(filters)) == wanted

    # Facets count the listed profiles showing each skill, and holding from each issuer.
    page = search_directory(DirectoryFilters(), now=NOW)
    skill_counts = {facet.name: facet.count for facet in page.skill_facets}
    for skill in skills:
        count = sum(
            1
            for profile in listed
            if skill.name in expected_skills(profile)[0] | expected_skills(profile)[1]
        )
        assert skill_counts.get(skill.name, 0) == count, skill.name
    issuer_counts = {facet.slug: facet.count for facet in page.issuer_facets}
    for each in issuers:
        count = sum(
            1
            for profile in listed
            if any(c.issuer_id == each.pk for c in valid_public_credentials(profile))
        )
        assert issuer_counts.get(each.slug, 0) == count, each.name
    return listed


@pytest.mark.parametrize("seed", SEEDS)
def test_the_directory_shows_exactly_what_the_public_rule_allows(
    db, seed, django_capture_on_commit_callbacks
):
    rng = random.Random(seed)
    profiles, skills, issuers = build_world(rng)
    # Factories write rows without events; a rebuild is what a first deploy does.
    rebuild_directory()
    listed = check_directory(profiles, skills, issuers)
    assert listed, "the generator made no listed profile; the check proved nothing"

    # Then random changes through the services, which the entries follow by their events,
    # and deactivations in the admin, which record none and are read live.
    for profile in rng.sample(profiles, 4):
        user = profile.user
        with django_capture_on_commit_callbacks(execute=True):
            credentials = list(user.credentials_earned.filter(revoked_at__isnull=True))
            if credentials and rng.random() > 0.5:
                revoke(rng.choice(credentials))
            elif credentials:
                credential = rng.choice(credentials)
                set_credential_visibility(
                    credential_id=credential.pk,
                    by=user,
                    is_shown_publicly=not credential.is_shown_publicly,
                )
            update_profile(
                profile_id=profile.pk,
                by=user,
                display_name=profile.display_name,
                slug=profile.slug,
                is_public=rng.random() > 0.3,
                in_directory=rng.random() > 0.3,
            )
    for profile in rng.sample(profiles, 2):
        profile.user.is_active = not profile.user.is_active
        profile.user.save(update_fields=["is_active"])
    check_directory(profiles, skills, issuers)


def test_a_deactivated_learner_is_listed_again_when_reactivated(db):
    profile = LearnerProfileFactory(
        user=UserFactory(with_profile=False), public=True, display_name="Returning Learner"
    )
    rebuild_directory()
    profile.user.is_active = False
    profile.user.save(update_fields=["is_active"])
    assert search_directory(DirectoryFilters(), now=NOW).results == []
    profile.user.is_active = True
    profile.user.save(update_fields=["is_active"])
    results = search_directory(DirectoryFilters(), now=NOW).results
    assert [result.profile for result in results] == [profile]
    assert LearnerProfile.objects.get(pk=profile.pk).in_directory is True

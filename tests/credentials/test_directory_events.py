"""The directory's search document follows the events that change what it holds."""

import pytest

from credentials.directory.models import DirectoryEntry
from credentials.directory.search import DirectoryFilters, search_directory
from credentials.services import retire_micro_credential, set_credential_visibility
from portfolio.services.curation import curate_portfolio
from portfolio.services.evidence import delete_evidence
from portfolio.services.profiles import ensure_profile, update_profile
from tests.credentials.conftest import NOW, issue, revoke, staff_member
from tests.factories import EvidenceItemFactory, MicroCredentialFactory, SkillFactory, UserFactory


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run each block's after-commit work, as a real request's commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def holder(db, after_commit):
    user = UserFactory(with_profile=False)
    with after_commit():
        profile = ensure_profile(user=user, display_name="Ada Byron")
    with after_commit():
        update_profile(
            profile_id=profile.pk, by=user, display_name="Ada Byron", slug="ada", is_public=True
        )
    return user


@pytest.fixture
def python(db):
    return SkillFactory(name="Python scripting")


@pytest.fixture
def scripting(python):
    micro_credential = MicroCredentialFactory(title="Scripting Essentials")
    micro_credential.skills.set([python])
    return micro_credential


def shown(**filters):
    page = search_directory(DirectoryFilters(**filters), now=NOW)
    return {
        result.profile.display_name: (
            [skill.name for skill in result.verified_skills],
            [skill.name for skill in result.claimed_skills],
        )
        for result in page.results
    }


def test_a_new_profile_made_public_is_listed(holder):
    assert shown() == {"Ada Byron": ([], [])}


def test_issuing_verifies_and_revoking_unverifies(holder, scripting, python, after_commit):
    with after_commit():
        credential = issue(holder, scripting)
    assert shown(skills=(python,), verified_only=True) == {"Ada Byron": (["Python scripting"], [])}
    with after_commit():
        revoke(credential)
    assert shown(skills=(python,)) == {}
    assert shown() == {"Ada Byron": ([], [])}


def test_hiding_a_credential_unverifies_and_showing_it_again_verifies(
    holder, scripting, after_commit
):
    with after_commit():
        credential = issue(holder, scripting)
    with after_commit():
        set_credential_visibility(credential_id=credential.pk, by=holder, is_shown_publicly=False)
    assert shown() == {"Ada Byron": ([], [])}
    with after_commit():
        set_credential_visibility(credential_id=credential.pk, by=holder, is_shown_publicly=True)
    assert shown() == {"Ada Byron": (["Python scripting"], [])}


def test_retiring_a_micro_credential_keeps_its_credentials_verifying(
    holder, scripting, after_commit
):
    with after_commit():
        issue(holder, scripting)
    with after_commit():
        retire_micro_credential(micro_credential_id=scripting.pk, by=staff_member(scripting.issuer))
    assert shown() == {"Ada Byron": (["Python scripting"], [])}
    assert DirectoryEntry.objects.get(profile=holder.profile).credential_text == (
        "Scripting Essentials"
    )


def test_evidence_made_public_claims_its_skills_until_deleted(holder, python, after_commit):
    item = EvidenceItemFactory(owner=holder)
    item.skills.set([python])
    with after_commit():
        curate_portfolio(by=holder, public_item_ids_in_order=[item.pk])
    assert shown() == {"Ada Byron": ([], ["Python scripting"])}
    with after_commit():
        delete_evidence(item_id=item.pk, by=holder)
    assert shown() == {"Ada Byron": ([], [])}


def test_a_profile_edit_is_searchable_and_opting_out_leaves(holder, after_commit):
    with after_commit():
        update_profile(
            profile_id=holder.profile.pk,
            by=holder,
            display_name="Ada Byron",
            slug="ada",
            headline="Statistician",
            is_public=True,
        )
    assert shown(query="statistician") == {"Ada Byron": ([], [])}
    with after_commit():
        update_profile(
            profile_id=holder.profile.pk,
            by=holder,
            display_name="Ada Byron",
            slug="ada",
            headline="Statistician",
            is_public=True,
            in_directory=False,
        )
    assert shown(query="statistician") == {}
    assert DirectoryEntry.objects.filter(profile=holder.profile).exists()


def test_the_rebuild_command_writes_every_entry(db, capsys):
    from django.core.management import call_command

    UserFactory()
    UserFactory()
    DirectoryEntry.objects.all().delete()
    call_command("rebuild_directory")
    assert capsys.readouterr().out == "Rebuilt 2 directory entries.\n"
    assert DirectoryEntry.objects.count() == 2

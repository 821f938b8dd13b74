"""The directory's cached searches (credentials.directory.cache): a profile leaves them as
soon as its entry's refresh commits, and the per-user parts are never shared."""

import pytest
from django.core.cache import cache

from credentials.directory.documents import rebuild_directory
from portfolio.services.accounts import set_user_active
from portfolio.services.profiles import update_profile
from tests.credentials.conftest import issue
from tests.credentials.test_directory import URL, names, person
from tests.factories import MicroCredentialFactory, SkillFactory, UserFactory


@pytest.fixture
def listed(db):
    skill = SkillFactory(name="Welding", slug="welding")
    micro_credential = MicroCredentialFactory(title="Safe Welding")
    micro_credential.skills.set([skill])
    people = [person("Ada Byron"), person("Grace Hopper")]
    for user in people:
        issue(user, micro_credential)
    rebuild_directory()
    return people


@pytest.fixture
def employer_client(client, db):
    client.force_login(UserFactory(employer=True, with_profile=False))
    return client


def search(client):
    response = client.get(URL, {"skill": "welding"})
    assert response.status_code == 200
    return response


def hide(user, django_capture_on_commit_callbacks, **changes):
    profile = user.profile
    with django_capture_on_commit_callbacks(execute=True):
        update_profile(
            profile_id=profile.pk,
            by=user,
            display_name=profile.display_name,
            slug=profile.slug,
            **{"is_public": True, "in_directory": True, **changes},
        )


def test_a_repeated_search_is_served_from_the_cache(
    employer_client, listed, django_assert_num_queries
):
    first = search(employer_client)
    assert sorted(names(first.text)) == ["Ada Byron", "Grace Hopper"]
    # The session, the employer and their unread notifications (the page header) only: no
    # search, no form's lists of choices.
    with django_assert_num_queries(3):
        again = search(employer_client)
    assert sorted(names(again.text)) == ["Ada Byron", "Grace Hopper"]


@pytest.mark.parametrize("changes", [{"is_public": False}, {"in_directory": False}])
def test_a_profile_made_private_or_opted_out_leaves_a_cached_search(
    employer_client, listed, django_capture_on_commit_callbacks, changes
):
    ada, _grace = listed
    assert "Ada Byron" in names(search(employer_client).text)
    hide(ada, django_capture_on_commit_callbacks, **changes)
    assert names(search(employer_client).text) == ["Grace Hopper"]


def test_a_deactivated_account_leaves_a_cached_search(
    employer_client, listed, django_capture_on_commit_callbacks
):
    ada, _grace = listed
    assert "Ada Byron" in names(search(employer_client).text)
    admin = UserFactory(is_superuser=True, is_staff=True, with_profile=False)
    with django_capture_on_commit_callbacks(execute=True):
        set_user_active(by=admin, user_id=ada.pk, is_active=False)
    assert names(search(employer_client).text) == ["Grace Hopper"]


def test_the_entry_refresh_after_commit_makes_cached_searches_stale(
    listed, django_capture_on_commit_callbacks
):
    ada, _grace = listed
    profile = ada.profile
    with django_capture_on_commit_callbacks() as callbacks:
        update_profile(
            profile_id=profile.pk,
            by=ada,
            display_name=profile.display_name,
            slug=profile.slug,
            is_public=False,
            in_directory=True,
        )
    # The refresh of the entry runs after commit, and bumps the version as it commits.
    before = cache.get("directory-version")
    assert before
    for callback in callbacks:
        callback()
    assert cache.get("directory-version") not in (None, before)


def test_the_save_form_is_the_employers_own_and_the_rest_is_shared(
    employer_client, listed, client, public_directory_setting
):
    employer_page = search(employer_client)
    assert "Save this search" in employer_page.text
    assert 'name="csrfmiddlewaretoken"' in employer_page.text
    # Another visitor gets the same cached results, without the employer's form or token.
    visitor = client.__class__()
    page = search(visitor)
    assert sorted(names(page.text)) == ["Ada Byron", "Grace Hopper"]
    assert "Save this search" not in page.text
    assert "csrfmiddlewaretoken" not in page.text
    # A visitor's page has no token in it: a validator, and a 304 when nothing changed.
    assert page["ETag"]
    unchanged = visitor.get(URL, {"skill": "welding"}, headers={"if-none-match": page["ETag"]})
    assert unchanged.status_code == 304
    assert not employer_page.has_header("ETag")


@pytest.fixture
def public_directory_setting(settings):
    settings.DIRECTORY_IS_PUBLIC = True

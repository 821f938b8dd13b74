"""An employer saves a directory search in real Chromium, finds it on the dashboard, deletes it."""

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from credentials.directory.documents import rebuild_directory
from credentials.models import SavedSearch
from tests.factories import (
    TEST_PASSWORD,
    EvidenceItemFactory,
    LearnerProfileFactory,
    SkillFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def employer(transactional_db):
    user = UserFactory(email="employer@example.com", employer=True, with_profile=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def directory(transactional_db):
    python = SkillFactory(name="Python scripting", slug="python-scripting")
    learner = UserFactory(with_profile=False)
    LearnerProfileFactory(user=learner, public=True, display_name="Ada Byron")
    EvidenceItemFactory(owner=learner, is_public=True).skills.set([python])
    rebuild_directory()


def test_an_employer_saves_a_search_and_deletes_it_from_the_dashboard(
    live_server, employer, directory, page
):
    page.goto(f"{live_server.url}/accounts/login/?next=/directory/?skill=python-scripting")
    page.get_by_label("Email").fill(employer.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Ada Byron")).to_be_visible()

    name = page.get_by_label("Name this search")
    expect(name).to_have_value("Python scripting")
    name.fill("Python people")
    page.get_by_role("button", name="Save this search").click()
    expect(page.get_by_text("Search saved as “Python people”.")).to_be_visible()
    assert page.url.endswith("/directory/?skill=python-scripting")
    [saved] = SavedSearch.objects.all()
    assert (saved.owner, saved.name, saved.query) == (
        employer,
        "Python people",
        "skill=python-scripting",
    )

    # Saving it again says it is saved already, on the form, with nothing lost.
    page.get_by_role("button", name="Save this search").click()
    expect(page.get_by_text("You saved this search already, as “Python people”.")).to_be_visible()
    assert SavedSearch.objects.count() == 1

    page.goto(f"{live_server.url}/dashboard/")
    saved_list = page.get_by_role("region", name="Your saved searches")
    expect(saved_list.get_by_role("link", name="Python people")).to_have_attribute(
        "href", "/directory/?skill=python-scripting"
    )
    expect(saved_list).to_contain_text("daily e-mail")
    saved_list.get_by_role("button", name="Delete the saved search Python people").click()
    expect(page.get_by_text("Deleted the saved search “Python people”.")).to_be_visible()
    expect(page.get_by_text("No saved searches yet.")).to_be_visible()
    assert not SavedSearch.objects.exists()

"""A file over the upload limit is refused in the browser, before the form and its text are sent."""

import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from portfolio.models import EvidenceItem
from tests.factories import TEST_PASSWORD, LearnerProfileFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def learner_signed_in(transactional_db, live_server, page):
    user = UserFactory(email="learner@example.com", with_profile=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    LearnerProfileFactory(user=user, display_name="Amara Okafor")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Welcome, Amara Okafor")).to_be_visible()
    return user


def test_an_oversized_file_is_refused_before_sending_and_the_form_keeps_its_text(
    live_server, learner_signed_in, page, screenshot, settings
):
    settings.MAX_UPLOAD_BYTES = 100 * 1024
    page.goto(f"{live_server.url}/evidence/new/file/")
    page.get_by_label("Title").fill("Final report")
    page.get_by_label("Description").fill("Written over three weeks.")
    upload = page.get_by_label(re.compile(r"^File\b"))

    upload.set_input_files(
        {"name": "report.txt", "mimeType": "text/plain", "buffer": b"x" * (300 * 1024)}
    )
    page.get_by_role("button", name="Add to my library").click()
    screenshot(page, "refused-in-the-browser")

    assert upload.evaluate("input => input.validationMessage") == (
        "This file is 0.3\xa0MB; files can be up to 100\xa0KB."
    )
    expect(page.get_by_label("Title")).to_have_value("Final report")
    expect(page.get_by_label("Description")).to_have_value("Written over three weeks.")
    assert page.url == f"{live_server.url}/evidence/new/file/"
    assert not EvidenceItem.objects.exists()

    upload.set_input_files(
        {"name": "report.txt", "mimeType": "text/plain", "buffer": b"x" * (50 * 1024)}
    )
    page.get_by_role("button", name="Add to my library").click()
    expect(page.get_by_text("Added “Final report” to your evidence library.")).to_be_visible()
    assert EvidenceItem.objects.get().file_size == 50 * 1024

"""A bulk issuance's progress page follows the batch in real Chromium, without reloading."""

from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from credentials import tasks
from credentials.bulk_issuance import issue_bulk_credentials, start_bulk_issuance
from tests.factories import TEST_PASSWORD, IssuerFactory, MicroCredentialFactory, UserFactory

pytestmark = pytest.mark.browser


def test_the_progress_page_follows_the_batch_until_it_is_finished(
    live_server, transactional_db, page
):
    issuer = IssuerFactory()
    staff = UserFactory(email="staff@example.org", issuer_staff=True)
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    issuer.staff.add(staff)
    micro_credential = MicroCredentialFactory(issuer=issuer)
    learners = [(n, UserFactory()) for n in range(1, 4)]
    # The worker has not run yet.
    with mock.patch.object(tasks.issue_bulk_credentials, "delay"):
        batch = start_bulk_issuance(
            micro_credential_id=micro_credential.pk, learners=learners, by=staff
        )

    page.goto(f"{live_server.url}/accounts/login/?next=/issuing/bulk/{batch.public_id}/")
    page.get_by_label("Email").fill(staff.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("0 of 3 rows done (0%)")).to_be_visible()
    expect(page.get_by_role("link", name="Refresh")).to_be_visible()
    page.evaluate("window.notReloaded = true")

    issue_bulk_credentials(batch_id=batch.pk)

    expect(page.get_by_text("3 of 3 rows done (100%)")).to_be_visible(timeout=10_000)
    expect(page.get_by_role("heading", name="Finished")).to_be_visible()
    expect(page.locator("#bulk-progress-bar")).to_have_attribute("value", "3")
    # The section was swapped in place: the page itself was never reloaded.
    assert page.evaluate("window.notReloaded") is True
    expect(page.get_by_role("link", name="Refresh")).to_have_count(0)

"""Two journeys in real Chromium: an employer checks a credential, issuer staff revoke one."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from credentials.models import IssuedCredential
from credentials.records import RubricResultRecord
from credentials.services import issue_credential
from tests.factories import (
    TEST_PASSWORD,
    IssuerFactory,
    LearnerProfileFactory,
    MicroCredentialFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

REASON = "The portfolio piece was another learner's work."


def verified_user(email, **traits):
    user = UserFactory(email=email, with_profile=False, **traits)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture
def issuer(transactional_db):
    return IssuerFactory(name="Northfield Institute")


@pytest.fixture
def amara(transactional_db):
    user = verified_user("learner@example.com")
    LearnerProfileFactory(user=user, public=True, slug="amara-okafor", display_name="Amara Okafor")
    return user


def award(learner, micro_credential, reference, *, issued_at=None):
    staff = UserFactory(issuer_staff=True)
    micro_credential.issuer.staff.add(staff)
    return issue_credential(
        by=staff,
        learner_id=learner.pk,
        micro_credential_id=micro_credential.pk,
        award_reference=reference,
        assessor_id=None,
        evidence=[],
        rubric_results=[
            RubricResultRecord(
                criterion="Clarity", level="Meets", required_level="Meets", comment=""
            )
        ],
        issued_at=issued_at,
    )


def log_in(page, live_server, email, next_path="/"):
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_employer_opens_a_public_profile_and_checks_a_credentials_status(
    live_server, issuer, amara, page, screenshot
):
    storytelling = MicroCredentialFactory(
        issuer=issuer, title="Data Storytelling", slug="data-storytelling", validity_months=24
    )
    spreadsheets = MicroCredentialFactory(
        issuer=issuer,
        title="Spreadsheet Modelling",
        slug="spreadsheet-modelling",
        validity_months=12,
    )
    valid = award(amara, storytelling, "employer-journey:valid")
    expired = award(
        amara,
        spreadsheets,
        "employer-journey:expired",
        issued_at=timezone.now() - timedelta(days=800),
    )
    verified_user("employer@example.com", employer=True)

    log_in(page, live_server, "employer@example.com")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Micro-credentials"
    ).click()
    page.get_by_role("link", name="Data Storytelling").click()
    expect(page.get_by_role("heading", name="Data Storytelling", level=1)).to_be_visible()
    screenshot(page, "micro-credential")

    # From the micro-credential to someone who earned it, as an employer looking for skills.
    page.get_by_role("link", name=re.compile("Amara Okafor")).click()
    expect(page).to_have_url(f"{live_server.url}/p/amara-okafor/")
    expect(page.get_by_role("heading", name="Amara Okafor", level=1)).to_be_visible()
    credentials = page.get_by_role("region", name="Credentials")
    expect(credentials.get_by_role("link", name="Data Storytelling")).to_be_visible()
    screenshot(page, "public-profile")

    credentials.get_by_role("link", name="Data Storytelling").click()
    expect(page).to_have_url(f"{live_server.url}/c/{valid.public_id}/")
    expect(page.get_by_text("VALID", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile(r"Valid until \d+ \w+ \d{4}\."))).to_be_visible()
    expect(page.get_by_text("Awarded to")).to_contain_text("Amara Okafor")
    screenshot(page, "valid-credential")

    page.go_back()
    credentials.get_by_role("link", name="Spreadsheet Modelling").click()
    expect(page).to_have_url(f"{live_server.url}/c/{expired.public_id}/")
    expect(page.get_by_text("EXPIRED", exact=True)).to_be_visible()
    expect(page.get_by_text("VALID", exact=True)).to_have_count(0)
    screenshot(page, "expired-credential")


def test_issuer_staff_revoke_in_the_admin_and_the_learner_is_told(
    live_server, issuer, amara, page, new_page, screenshot
):
    storytelling = MicroCredentialFactory(
        issuer=issuer, title="Data Storytelling", slug="data-storytelling", validity_months=24
    )
    credential = award(amara, storytelling, "issuer-journey")
    staff = verified_user("issuer@example.com", issuer_staff=True)
    issuer.staff.add(staff)
    mail.outbox.clear()

    log_in(page, live_server, "issuer@example.com", next_path="/admin/")
    expect(page.get_by_role("heading", name=re.compile("administration"))).to_be_visible()
    page.get_by_role("link", name="Issued credentials").first.click()
    row = page.get_by_role("row").filter(has_text="learner@example.com")
    expect(row).to_contain_text("Valid")
    screenshot(page, "admin-credentials")

    row.get_by_role("link", name="Revoke…").click()
    expect(page.get_by_role("heading", name="Revoke a credential")).to_be_visible()
    page.get_by_label(re.compile("Reason")).fill(REASON)
    screenshot(page, "revoke-form")
    page.get_by_role("button", name=re.compile("Revoke")).click()

    expect(page).to_have_url(f"{live_server.url}/c/{credential.public_id}/")
    expect(page.get_by_text("REVOKED", exact=True)).to_be_visible()
    expect(page.get_by_text(f"Reason: {REASON}")).to_be_visible()
    screenshot(page, "revoked-page")

    credential.refresh_from_db()
    assert credential.status == IssuedCredential.Status.REVOKED
    [message] = [m for m in mail.outbox if m.to == ["learner@example.com"]]
    assert message.subject == "Data Storytelling has been revoked"
    assert REASON in message.body

    learner = new_page()
    log_in(learner, live_server, "learner@example.com")
    learner.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("Inbox")
    ).click()
    notice = learner.get_by_role("listitem").filter(has_text="Data Storytelling has been revoked")
    expect(notice).to_contain_text(f"Reason: {REASON}")
    screenshot(learner, "learner-inbox")
    notice.get_by_role("link", name="Data Storytelling has been revoked").click()
    expect(learner.get_by_text("REVOKED", exact=True)).to_be_visible()
    screenshot(learner, "learner-sees-revoked")

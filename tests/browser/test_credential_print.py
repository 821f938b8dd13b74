"""A credential's page on paper and the holder's copy-link button, in real Chromium."""

import io

import pytest
import zxingcpp
from allauth.account.models import EmailAddress
from PIL import Image
from playwright.sync_api import expect

from credentials.records import RubricResultRecord
from credentials.services import issue_credential
from tests.browser.accessibility import axe_problems, reflow_problems
from tests.factories import (
    TEST_PASSWORD,
    IssuerFactory,
    LearnerProfileFactory,
    MicroCredentialFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def credential(transactional_db):
    learner = UserFactory(email="learner@example.com", with_profile=False)
    EmailAddress.objects.create(user=learner, email=learner.email, verified=True, primary=True)
    LearnerProfileFactory(
        user=learner, public=True, slug="amara-okafor", display_name="Amara Okafor"
    )
    micro_credential = MicroCredentialFactory(
        issuer=IssuerFactory(name="Northfield Institute"),
        title="Data Storytelling",
        validity_months=24,
    )
    staff = UserFactory(issuer_staff=True)
    micro_credential.issuer.staff.add(staff)
    return issue_credential(
        by=staff,
        learner_id=learner.pk,
        micro_credential_id=micro_credential.pk,
        award_reference="print-journey",
        assessor_id=None,
        evidence=[],
        rubric_results=[
            RubricResultRecord(
                criterion="Clarity", level="Meets", required_level="Meets", comment=""
            )
        ],
    )


def decode_qr_codes(png: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_a_printed_credential_carries_its_address_and_a_qr_code_to_it(
    live_server, credential, page, screenshot
):
    page_url = f"{live_server.url}/c/{credential.public_id}/"
    page.goto(page_url)
    check = page.locator(".credential-print-check")
    address = check.locator(".credential-print-url")
    qr_code = check.locator("svg.qr-code")

    # On screen: the page and its navigation, but nothing meant for paper.
    expect(page.get_by_role("heading", name="VALID", level=1)).to_be_visible()
    expect(page.locator(".site-header")).to_be_visible()
    expect(page.locator(".site-footer")).to_be_visible()
    expect(address).to_be_hidden()
    expect(qr_code).to_be_hidden()
    screenshot(page, "screen")

    page.emulate_media(media="print")
    expect(address).to_be_visible()
    expect(address).to_have_text(page_url)
    expect(qr_code).to_be_visible()
    expect(page.get_by_role("heading", name="VALID", level=1)).to_be_visible()
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    box = qr_code.bounding_box()
    assert box is not None
    # 3 cm at the CSS 96 pixels to the inch: large enough to scan from paper.
    assert round(box["width"]) == round(box["height"]) == 113
    screenshot(page, "print")
    assert decode_qr_codes(page.screenshot(full_page=True)) == [page_url]

    page.emulate_media(media="screen")
    expect(qr_code).to_be_hidden()
    assert decode_qr_codes(page.screenshot(full_page=True)) == []


def test_the_holder_copies_the_link_to_their_credential(
    live_server, credential, browser, page_problems
):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page_problems.watch(context)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/?next=/c/{credential.public_id}/")
        page.get_by_label("Email").fill("learner@example.com")
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="VALID", level=1)).to_be_visible()

        share = page.get_by_role("region", name="Share your credential")
        expect(share.get_by_role("link", name="Add to LinkedIn profile")).to_be_visible()
        share.get_by_role("button", name="Copy link").click()
        expect(share.get_by_role("status")).to_have_text("Link copied.")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == f"{live_server.url}/c/{credential.public_id}/"

        # Nothing of the holder's controls goes to paper.
        page.emulate_media(media="print")
        expect(share).to_be_hidden()
        expect(page.locator(".credential-print-url")).to_be_visible()
    finally:
        context.close()
    assert page_problems.unexpected() == []


def test_the_elements_fit_a_phone_screen_and_pass_axe(live_server, credential, page):
    micro_credential = credential.micro_credential
    micro_credential.stacks_towards = MicroCredentialFactory(
        issuer=micro_credential.issuer, title="Dashboards for Decision-Makers and Their Teams"
    )
    micro_credential.supervision = "supervised_on_site_id"
    micro_credential.national_framework_level = "National Framework of Qualifications level 6"
    micro_credential.grading = "Pass or not yet; the rubric level reached on each criterion."
    micro_credential.save()
    page.set_viewport_size({"width": 320, "height": 640})
    for path in [f"/c/{credential.public_id}/", f"/credentials/{micro_credential.slug}/"]:
        page.goto(f"{live_server.url}{path}")
        elements = page.locator("dl.mc-elements")
        expect(elements).to_contain_text("Supervision and identity verification")
        expect(elements).to_contain_text("Dashboards for Decision-Makers and Their Teams")
        assert reflow_problems(page) == []
        assert axe_problems(page) == []

import re

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect
from weasyprint import HTML

from assessments.models import Application
from assessments.services import applying
from credentials.models import IssuedCredential
from portfolio.models import EvidenceItem
from portfolio.services.evidence import create_evidence
from tests.factories import (
    TEST_PASSWORD,
    LearnerProfileFactory,
    MicroCredentialFactory,
    UserFactory,
    png_bytes,
)

pytestmark = pytest.mark.browser

CREDENTIAL = "Data Storytelling"
IMAGE_TITLE = "Poster for the community data fair"
PDF_TITLE = "Survey analysis report"
PDF_NAME = "survey-report.pdf"
# Chromium's built-in PDF viewer extension.
PDF_VIEWER = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"
FEEDBACK = "A clear poster and a careful report. Well done."


def verified_user(email, **kwargs):
    user = UserFactory(email=email, **kwargs)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture
def assessor(transactional_db):
    return verified_user("assessor@example.com", assessor=True)


@pytest.fixture
def amara(transactional_db):
    user = verified_user("learner@example.com", with_profile=False)
    LearnerProfileFactory(user=user, public=True, slug="amara-okafor", display_name="Amara Okafor")
    return user


@pytest.fixture
def submitted_application(amara, assessor):
    micro_credential = MicroCredentialFactory(title=CREDENTIAL, assessors=[assessor])
    image = create_evidence(
        by=amara,
        kind=EvidenceItem.Kind.IMAGE,
        title=IMAGE_TITLE,
        upload=SimpleUploadedFile("poster.png", png_bytes((640, 480)), "image/png"),
    )
    pdf = create_evidence(
        by=amara,
        kind=EvidenceItem.Kind.FILE,
        title=PDF_TITLE,
        upload=SimpleUploadedFile(
            PDF_NAME,
            HTML(string="<h1>Survey analysis</h1><p>Findings for the fair.</p>").write_pdf(),
            "application/pdf",
        ),
    )
    assert image.thumbnail.name
    assert pdf.content_type == "application/pdf"
    application = applying.start_application(by=amara, micro_credential_id=micro_credential.pk)
    for criterion, item in zip(
        micro_credential.criteria_set.order_by("position"), [image, pdf], strict=True
    ):
        applying.save_response(
            application_id=application.pk,
            by=amara,
            criterion_id=criterion.pk,
            statement=f"My {item.title.lower()} shows {criterion.title.lower()}.",
            self_assessed_level_id=criterion.required_level_id,
            evidence_item_ids=[item.pk],
        )
    return applying.submit_application(application_id=application.pk, by=amara)


def log_in(page, base_url, email):
    page.goto(base_url)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Welcome"))).to_be_visible()


def wait_until_image_loaded(image):
    expect(image).to_be_visible()
    image.scroll_into_view_if_needed()
    image.page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )


def pdf_viewer_frame(pdf_page):
    # Chromium shows a PDF in its viewer extension's frame, which sits in a closed shadow
    # root (so frame_locator cannot reach it). Listening only after looking is safe: the sync
    # API handles browser events only while one of its calls waits.
    for frame in pdf_page.frames:
        if frame.url.startswith(PDF_VIEWER):
            return frame
    return pdf_page.wait_for_event(
        "framenavigated", predicate=lambda frame: frame.url.startswith(PDF_VIEWER)
    )


def test_assessor_claims_views_evidence_and_approves_then_learner_sees_credential(
    live_server, assessor, amara, submitted_application, page, new_page, screenshot
):
    log_in(page, live_server.url, "assessor@example.com")
    screenshot(page, "assessor-dashboard")
    page.get_by_role("link", name="Open the queue").click()
    expect(page.get_by_role("heading", name="Review queue", level=1)).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Amara Okafor")
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell", name=CREDENTIAL)).to_be_visible()
    screenshot(page, "queue")

    row.get_by_role("button", name="Claim").click()
    expect(page.get_by_role("heading", name=CREDENTIAL, level=1)).to_be_visible()
    expect(
        page.get_by_text(f"You claimed the application from Amara Okafor for “{CREDENTIAL}”.")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Release to the queue")).to_be_visible()
    screenshot(page, "claimed")

    # The image: its thumbnail inline, the full-size file in a new tab.
    clarity = page.get_by_role("region", name="1. Clarity")
    thumbnail = clarity.get_by_role("img", name=IMAGE_TITLE)
    wait_until_image_loaded(thumbnail)
    expect(thumbnail).to_have_attribute("src", re.compile(r"/thumbnail"))
    screenshot(page, "image-thumbnail")
    image_url = live_server.url + clarity.get_by_role(
        "link", name=re.compile("Open full size")
    ).get_attribute("href")
    with page.expect_popup() as popup_info:
        thumbnail.click()
    full_size = popup_info.value
    expect(full_size).to_have_url(image_url)
    full_image = full_size.get_by_role("img")
    wait_until_image_loaded(full_image)
    assert full_image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [640, 480]
    screenshot(full_size, "image-full-size")
    full_size.close()

    # The PDF: opened in a new tab, served inline as a PDF for the browser's viewer.
    use_of_evidence = page.get_by_role("region", name="2. Use of evidence")
    pdf_link = use_of_evidence.get_by_role("link", name=f"Open {PDF_NAME}")
    pdf_url = live_server.url + pdf_link.get_attribute("href")
    with (
        page.context.expect_event(
            "response", predicate=lambda response: response.url == pdf_url
        ) as response_info,
        page.expect_popup() as popup_info,
    ):
        pdf_link.click()
    pdf_response = response_info.value
    assert pdf_response.status == 200
    assert pdf_response.header_value("content-type") == "application/pdf"
    assert pdf_response.header_value("content-disposition").startswith("inline")
    pdf_page = popup_info.value
    expect(pdf_page).to_have_url(pdf_url)
    viewer = pdf_viewer_frame(pdf_page)
    expect(viewer.locator("embed")).to_have_attribute("original-url", pdf_url)
    expect(viewer.locator("viewer-toolbar #title")).to_have_text(PDF_NAME)
    expect(viewer.locator("#pagelength")).to_have_text("1")
    expect(viewer.locator("viewer-thumbnail canvas")).to_be_visible()
    screenshot(pdf_page, "pdf-viewer")
    pdf_page.close()

    # Score every criterion at or above its required level, then approve.
    page.get_by_role("group", name="Level for “Clarity”").get_by_label(
        "Exceeds", exact=True
    ).check()
    page.get_by_role("group", name="Level for “Use of evidence”").get_by_label(
        "Meets (required to pass)"
    ).check()
    page.get_by_label("Feedback for the learner").fill(FEEDBACK)
    page.get_by_role("group", name="Decision").get_by_label("Approve").check()
    screenshot(page, "scored")
    page.get_by_role("button", name="Record decision").click()
    expect(
        page.get_by_text(f"Approved. Amara Okafor has been issued “{CREDENTIAL}”.")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Review queue", level=1)).to_be_visible()
    expect(page.get_by_text("Nothing is waiting for review.")).to_be_visible()
    screenshot(page, "approved")

    application = Application.objects.get(pk=submitted_application.pk)
    assert application.status == Application.Status.APPROVED
    credential = IssuedCredential.objects.get()
    assert application.credential == credential
    assert credential.learner == amara
    assert credential.assessor == assessor
    assert [r["level"] for r in credential.rubric_results] == ["Exceeds", "Meets"]
    assert application.reviews.get().feedback == FEEDBACK

    learner_page = new_page()
    log_in(learner_page, live_server.url, "learner@example.com")
    expect(learner_page.get_by_role("heading", name="Welcome, Amara Okafor")).to_be_visible()
    dashboard_entry = learner_page.get_by_role("listitem").filter(
        has=learner_page.get_by_role("link", name=CREDENTIAL)
    )
    expect(dashboard_entry).to_have_count(1)
    expect(dashboard_entry.get_by_text("Valid", exact=True)).to_be_visible()
    screenshot(learner_page, "learner-dashboard")

    learner_page.get_by_role("link", name=re.compile("^All your credentials")).click()
    expect(learner_page.get_by_role("heading", name="Your credentials", level=1)).to_be_visible()
    credential_row = learner_page.get_by_role("row").filter(has_text=CREDENTIAL)
    expect(credential_row.get_by_text("Valid", exact=True)).to_be_visible()
    screenshot(learner_page, "my-credentials")

    credential_row.get_by_role("link", name=CREDENTIAL, exact=True).click()
    expect(learner_page).to_have_url(f"{live_server.url}/c/{credential.public_id}/")
    expect(learner_page.get_by_role("region", name="Status")).to_contain_text("VALID")
    expect(learner_page.get_by_role("heading", name="VALID", level=1)).to_be_visible()
    expect(learner_page.get_by_role("heading", name=CREDENTIAL, level=2)).to_be_visible()
    expect(learner_page.get_by_text("Awarded to Amara Okafor")).to_be_visible()
    expect(learner_page.get_by_role("listitem").filter(has_text=PDF_TITLE)).to_be_visible()
    screenshot(learner_page, "credential-page")

    assert IssuedCredential.objects.count() == 1

"""A credential's one-page certificate, /c/<id>/certificate.pdf: for whoever may open its page."""

import pytest
from django.core.cache import cache

from credentials.pdfs import OwnFilesFetcher, RefusedURL
from tests.credentials.conftest import issue, revoke, staff_member
from tests.credentials.pdf_reading import page_sizes, pdf_pages_text, pdf_text, scanned_qr_codes

SITE = "http://testserver"


@pytest.fixture(autouse=True)
def _empty_cache(settings):
    settings.SITE_URL = SITE
    cache.clear()


def certificate_url(credential):
    return f"/c/{credential.public_id}/certificate.pdf"


def test_the_certificate_states_the_credential_on_one_page(client, learner, micro_credential):
    credential = issue(learner, micro_credential)

    response = client.get(certificate_url(credential))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages = pdf_pages_text(response.content)
    assert len(pages) == 1
    text = pdf_text(response.content)
    holder = learner.profile.display_name
    assert f"This certifies that {holder} was awarded Data Storytelling" in text
    assert "by Northfield Institute" in text
    assert "Status Valid" in text
    assert "Issued 1 March 2026" in text
    assert "Expires 1 March 2028" in text
    assert f"testserver/c/{credential.public_id}/" in text
    assert scanned_qr_codes(response.content) == [f"{SITE}/c/{credential.public_id}/"]


def test_a_revoked_credentials_certificate_says_so(
    client, learner, micro_credential, django_capture_on_commit_callbacks
):
    credential = issue(learner, micro_credential)
    assert "Status Valid" in pdf_text(client.get(certificate_url(credential)).content)

    with django_capture_on_commit_callbacks(execute=True):
        revoke(credential, reason="Plagiarised evidence.")

    text = pdf_text(client.get(certificate_url(credential)).content)
    assert "Status Revoked on 1 March 2026: Plagiarised evidence." in text
    assert "Status Valid" not in text


def test_the_certificate_is_on_letter_paper_for_us_readers(client, learner, micro_credential):
    credential = issue(learner, micro_credential)

    response = client.get(certificate_url(credential), headers={"Accept-Language": "en-US"})

    assert page_sizes(response.content) == {(612, 792)}


def test_a_deactivated_holders_certificate_is_only_for_the_issuers_staff(
    client, learner, micro_credential
):
    credential = issue(learner, micro_credential)
    learner.is_active = False
    learner.save(update_fields=["is_active"])

    assert client.get(certificate_url(credential)).status_code == 404
    client.force_login(staff_member(micro_credential.issuer))
    assert client.get(certificate_url(credential)).status_code == 200


def test_an_unknown_credential_has_no_certificate(client, db):
    response = client.get("/c/7c1e4b1e-1f0e-4a55-9b59-0b6d3f3c5a10/certificate.pdf")

    assert response.status_code == 404


def test_pdfs_fetch_only_the_projects_own_files(settings):
    settings.SITE_URL = "https://unbundled.example"
    fetcher = OwnFilesFetcher()

    stylesheet = fetcher.fetch("https://unbundled.example/static/css/pdf.css")

    assert b"@font-face" in stylesheet.read()
    assert stylesheet.content_type == "text/css"
    for url in [
        "https://elsewhere.example/static/css/pdf.css",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "data:text/css,body{}",
        "https://unbundled.example/static/../config/settings.py",
        "https://unbundled.example/static/%2e%2e/config/settings.py",
        "https://unbundled.example/admin/",
    ]:
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


def test_the_certificate_takes_the_credential_pages_two_queries(
    client, learner, micro_credential, django_assert_num_queries
):
    credential = issue(learner, micro_credential)

    # What the credential page reads: the credential, and its micro-credential's skills.
    with django_assert_num_queries(2):
        response = client.get(certificate_url(credential))

    assert response.status_code == 200

"""Project-wide guards on requests and responses: body size, form charset, Permissions-Policy."""

import io

import pytest
from django.test import Client, override_settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from config.middleware import PERMISSIONS_POLICY
from portfolio.models import EvidenceItem
from tests.factories import EvidenceItemFactory

pytestmark = pytest.mark.django_db


class CountingStream(io.BytesIO):
    """A request body that remembers how much of it the server read."""

    def __init__(self, data=b""):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.bytes_read += len(line)
        return line


# --- Permissions-Policy


def test_pages_turn_off_browser_features_nobody_uses(client):
    response = client.get(reverse("home"))

    assert response.status_code == 200
    policy = response.headers["Permissions-Policy"]
    assert policy == PERMISSIONS_POLICY
    assert {"camera=()", "microphone=()", "geolocation=()", "payment=()"} <= set(policy.split(", "))


def test_stored_files_and_error_pages_carry_the_permissions_policy_too(client, learner):
    item = EvidenceItemFactory(owner=learner, pdf=True)
    client.force_login(learner)

    file_response = client.get(reverse("portfolio:evidence-file", args=[item.pk]))
    missing = client.get(reverse("portfolio:evidence-file", args=[item.pk + 1000]))

    assert file_response.status_code == 200
    assert file_response.headers["Content-Type"] == "application/pdf"
    assert file_response.headers["Permissions-Policy"] == PERMISSIONS_POLICY
    assert missing.status_code == 404
    assert missing.headers["Permissions-Policy"] == PERMISSIONS_POLICY


# --- Forms sent in another charset than UTF-8


@pytest.mark.parametrize("charset", ["latin-1", "iso-8859-15", "windows-1252", "utf-16"])
def test_a_form_in_another_charset_gets_the_400_page_not_a_500(learner, charset):
    # With CSRF checks on, as in production: Django's own 400 view ran the failing check again.
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(learner)
    client.get(reverse("portfolio:notification-list"))
    token = client.cookies["csrftoken"].value

    response = client.generic(
        "POST",
        reverse("portfolio:notifications-read"),
        f"csrfmiddlewaretoken={token}".encode(),
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )

    assert response.status_code == 400
    assert "We could not read that request" in response.text
    assert "must be sent as UTF-8" in response.text
    # The site's layout, with the signed-in user's header.
    assert 'class="skip-link"' in response.text


def test_an_unknown_charset_is_read_as_utf8_and_the_form_works(learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    client.get(reverse("portfolio:notification-list"))
    token = client.cookies["csrftoken"].value

    response = client.generic(
        "POST",
        reverse("portfolio:notifications-read"),
        f"csrfmiddlewaretoken={token}".encode(),
        content_type="application/x-www-form-urlencoded; charset=no-such-charset",
    )

    assert response.status_code == 302
    assert response.headers["Location"] == reverse("portfolio:notification-list")


def test_an_oversized_urlencoded_body_gets_the_400_page_not_a_500(learner):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(learner)
    client.get(reverse("portfolio:notification-list"))
    token = client.cookies["csrftoken"].value
    body = f"csrfmiddlewaretoken={token}&filler=".encode() + b"x" * 2_700_000

    with override_settings(MAX_UPLOAD_BYTES=1024 * 1024):
        response = client.generic(
            "POST",
            reverse("portfolio:notifications-read"),
            body,
            content_type="application/x-www-form-urlencoded",
        )

    # Over DATA_UPLOAD_MAX_MEMORY_SIZE but within the body limit: Django refuses the fields.
    assert response.status_code == 400
    assert "We could not read that request" in response.text
    assert 'class="skip-link"' in response.text


# --- Upload size: stopped while receiving


def _upload_body(size):
    return encode_multipart(
        BOUNDARY,
        {
            "title": "A big scan",
            "upload": _named_file(b"%PDF-1.4\n" + b"0" * size + b"\n%%EOF\n", "scan.pdf"),
        },
    )


def _named_file(data, name):
    handle = io.BytesIO(data)
    handle.name = name
    return handle


@override_settings(MAX_UPLOAD_BYTES=2 * 1024 * 1024)
def test_a_declared_length_over_the_limit_is_refused_before_reading_the_body(client, learner):
    client.force_login(learner)
    stream = CountingStream(b"x" * 1024)

    response = client.generic(
        "POST",
        reverse("portfolio:evidence-create", args=["file"]),
        b"",
        content_type=MULTIPART_CONTENT,
        **{"wsgi.input": stream, "CONTENT_LENGTH": str(80 * 1024 * 1024)},
    )

    assert response.status_code == 413
    assert stream.bytes_read == 0
    assert "That file is too large" in response.text
    assert "Files can be up to 2\xa0MB" in response.text
    assert not EvidenceItem.objects.exists()


@override_settings(MAX_UPLOAD_BYTES=1024 * 1024)
def test_an_upload_over_the_limit_is_cut_off_while_it_arrives(client, learner):
    client.force_login(learner)
    # Within the declared-length allowance (limit + the rest of a form), so only the
    # streaming count can catch the file itself being over the limit.
    body = _upload_body(1024 * 1024 + 900_000)
    stream = CountingStream(body)

    response = client.generic(
        "POST",
        reverse("portfolio:evidence-create", args=["file"]),
        body,
        content_type=MULTIPART_CONTENT,
        **{"wsgi.input": stream},
    )

    assert response.status_code == 413
    assert "That file is too large" in response.text
    assert "Files can be up to 1\xa0MB" in response.text
    # Reading stopped one chunk (64 KiB) past the limit at most, far short of the body.
    assert stream.bytes_read <= 1024 * 1024 + 2 * 65_536
    assert len(body) - stream.bytes_read > 700_000
    assert not EvidenceItem.objects.exists()


@override_settings(MAX_UPLOAD_BYTES=1024 * 1024)
def test_an_upload_within_the_limit_is_still_accepted(client, learner):
    client.force_login(learner)

    response = client.post(
        reverse("portfolio:evidence-create", args=["file"]),
        {
            "title": "Notes just under the limit",
            "upload": _named_file(b"notes " * 170_000, "notes.txt"),
        },
    )

    item = EvidenceItem.objects.get()
    assert response.status_code == 302
    assert item.title == "Notes just under the limit"
    assert item.file_size == 1_020_000

"""/verify/ and its API read a credential baked into a badge image (PNG or SVG)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from credentials.models import CredentialDocument
from credentials.services import generate_signing_key, sign_credential
from credentials.vc.baking import bake_png, bake_svg
from tests.credentials.conftest import issue
from tests.factories import UserFactory

API = "/api/v1/verify/"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>'


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def text(micro_credential):
    credential = issue(UserFactory(), micro_credential)
    generate_signing_key(issuer_id=credential.issuer_id, by=None)
    sign_credential(credential_id=credential.pk)
    return CredentialDocument.objects.get(credential=credential, format="ob3").content


@pytest.mark.parametrize(
    ("name", "bake"),
    [("badge.png", lambda text: bake_png(png(), text)), ("badge.svg", lambda t: bake_svg(SVG, t))],
)
def test_a_baked_badge_s_credential_is_verified(client, text, name, bake):
    baked = bake(text)

    page = client.post("/verify/", {"file": SimpleUploadedFile(name, baked)}).text
    answer = client.post(API, {"file": SimpleUploadedFile(name, baked)}).json()

    assert "Result: Valid" in page
    assert answer["verdict"] == "valid"


def test_a_baked_badge_whose_credential_was_changed_says_signature_invalid(client, text):
    baked = bake_png(png(), text.replace('"name": "Data Storytelling"', '"name": "Surgery"', 1))

    answer = client.post(API, {"file": SimpleUploadedFile("badge.png", baked)}).json()

    assert answer["verdict"] == "tampered"


@pytest.mark.parametrize(
    ("content", "message", "code"),
    [
        (png(), "not baked", "not_baked"),
        (SVG, "not baked", "not_baked"),
        (png()[:40], "truncated", "unreadable_image"),
        (b"<svg", "", "unreadable_image"),
    ],
)
def test_an_image_without_a_credential_is_a_clear_error(client, db, content, message, code):
    page = client.post("/verify/", {"file": SimpleUploadedFile("badge", content)})
    answer = client.post(API, {"file": SimpleUploadedFile("badge", content)})

    assert page.status_code == 200
    assert 'class="field field-invalid"' in page.text
    assert message in page.text
    assert "Result:" not in page.text
    assert answer.status_code == 400
    assert answer.json()["code"] == code
    assert message in answer.json()["detail"]

"""The S3 branch of the settings, against a real S3-compatible server on loopback.

moto's standalone server (a dev dependency, so CI has it from the lock) stands in for S3: it
speaks the S3 protocol, signs and checks requests, and enforces object ACLs for anonymous
requests, which is what these tests are about. Each test gets a bucket of its own and the
storages config/settings.py builds for it, and goes through the site's own upload and file pages.
"""

import hashlib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from storages.backends.s3 import S3Storage

from assessments.models import SubmittedEvidence
from assessments.services import applying, reviewing
from portfolio.models import EvidenceItem, LearnerProfile
from tests.config.test_settings import load_settings, production_environment
from tests.factories import MicroCredentialFactory, UserFactory, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

ACCESS_KEY = "unbundled-test"
SECRET_KEY = "unbundled-test-secret"
REGION = "us-east-1"
PDF = pdf_bytes()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server of this test process, on a free loopback port."""
    server = Path(sys.executable).with_name("moto_server")
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 (our own venv's script, fixed arguments)
        [str(server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)  # noqa: S310
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not start on {endpoint}") from None
                time.sleep(0.2)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


def s3_environment(tmp_path, endpoint: str, bucket: str) -> dict[str, str]:
    return {
        **production_environment(tmp_path),
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_S3_REGION_NAME": REGION,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    }


class Bucket:
    def __init__(self, endpoint: str, name: str) -> None:
        self.endpoint = endpoint
        self.name = name
        # The storage's own boto3 client, with the keys the settings gave it.
        storage = storages["private"]
        assert isinstance(storage, S3Storage)
        self.client = storage.connection.meta.client

    def object_keys(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def plain_url(self, key: str) -> str:
        return f"{self.endpoint}/{self.name}/{key}"


def anonymous_get(url: str) -> tuple[int, bytes]:
    """What someone without keys gets at this URL: no signature, no cookies."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


@pytest.fixture
def bucket(s3_endpoint, monkeypatch, tmp_path) -> Bucket:
    """A fresh bucket, with the site's storages switched to what config/settings.py makes of it."""
    name = f"unbundled-{uuid.uuid4().hex[:16]}"
    with monkeypatch.context() as environment:
        loaded = load_settings(environment, s3_environment(tmp_path, s3_endpoint, name))
    # The storage objects themselves are swapped, not the STORAGES setting: changing the setting
    # makes Django build new storages afterwards too, and the in-memory ones of the other tests
    # would no longer be the objects their model fields hold.
    s3 = {
        alias: storages.create_storage(loaded["STORAGES"][alias])
        for alias in ("default", "private")
    }
    for alias, storage in s3.items():
        # Built now if it was not yet, so that undoing the swap puts back the one in use.
        assert storages[alias] is not None
        # The handler caches built storages here; django-stubs leaves the private name out.
        monkeypatch.setitem(storages._storages, alias, storage)  # type: ignore[attr-defined]
    monkeypatch.setattr(default_storage, "_wrapped", s3["default"])
    # Evidence fields took the private storage when their models were defined; follow the
    # switch, as a process started with these settings would have them from the start.
    for model in (EvidenceItem, SubmittedEvidence):
        for field_name in ("file", "thumbnail"):
            monkeypatch.setattr(model._meta.get_field(field_name), "storage", s3["private"])
    bucket = Bucket(s3_endpoint, name)
    bucket.client.create_bucket(Bucket=name)
    return bucket


def test_the_settings_make_public_media_unsigned_and_public_and_evidence_private(
    monkeypatch, tmp_path
):
    env = s3_environment(tmp_path, "http://127.0.0.1:9", "unbundled-media")
    storages_setting = load_settings(monkeypatch, env)["STORAGES"]

    public, private = storages_setting["default"], storages_setting["private"]
    assert public["BACKEND"] == private["BACKEND"] == "storages.backends.s3.S3Storage"
    assert public["OPTIONS"]["location"] == "public"
    assert public["OPTIONS"]["querystring_auth"] is False
    assert public["OPTIONS"]["default_acl"] == "public-read"
    assert private["OPTIONS"]["location"] == "private"
    assert private["OPTIONS"]["querystring_auth"] is True
    assert private["OPTIONS"]["default_acl"] == "private"


def test_a_bucket_policy_deployment_can_turn_the_public_acl_off(monkeypatch, tmp_path):
    env = {**s3_environment(tmp_path, "http://127.0.0.1:9", "media"), "AWS_S3_PUBLIC_ACL": "none"}
    storages_setting = load_settings(monkeypatch, env)["STORAGES"]

    assert storages_setting["default"]["OPTIONS"]["default_acl"] is None
    assert storages_setting["default"]["OPTIONS"]["querystring_auth"] is False


def test_an_avatar_uploaded_through_the_profile_page_has_a_lasting_public_url(
    client, bucket, django_capture_on_commit_callbacks
):
    learner = UserFactory(email="avatar@example.com")
    profile = learner.profile
    client.force_login(learner)
    form = {"display_name": "Ava Tar", "headline": "", "location": "", "bio": ""}
    form |= {"slug": "ava-tar", "is_public": "on"}
    upload = SimpleUploadedFile("me.png", png_bytes((64, 64)), content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portfolio:profile-edit"), {**form, "avatar": upload})
    assert response.status_code == 302

    profile = LearnerProfile.objects.get(pk=profile.pk)
    url = profile.avatar.url
    assert bucket.object_keys() == [f"public/{profile.avatar.name}"]
    # Plain and lasting: no signature or expiry, the same URL every time it is asked for.
    assert url == bucket.plain_url(f"public/{profile.avatar.name}")
    assert "?" not in url
    assert LearnerProfile.objects.get(pk=profile.pk).avatar.url == url
    status, body = anonymous_get(url)
    assert status == 200
    assert body.startswith(b"\x89PNG")
    assert url in client.get("/p/ava-tar/").text


def test_a_badge_image_has_a_lasting_public_url_on_the_catalogue(client, bucket):
    micro_credential = MicroCredentialFactory(title="Data Storytelling", slug="data-storytelling")
    micro_credential.badge_image.save("badge.png", ContentFile(png_bytes((200, 200))))

    url = micro_credential.badge_image.url
    assert url == bucket.plain_url(f"public/{micro_credential.badge_image.name}")
    assert "?" not in url
    status, body = anonymous_get(url)
    assert status == 200
    assert body.startswith(b"\x89PNG")
    page = client.get("/credentials/data-storytelling/").text
    assert f'<meta property="og:image" content="{url}">' in page


def test_evidence_is_private_in_the_bucket_and_served_only_through_the_site(client, bucket):
    learner = UserFactory(email="owner@example.com")
    client.force_login(learner)
    response = client.post(
        reverse("portfolio:evidence-create", args=["file"]),
        {"title": "Report", "upload": SimpleUploadedFile("report.pdf", PDF)},
    )
    assert response.status_code == 302
    item = EvidenceItem.objects.get(owner=learner)
    key = f"private/{item.file.name}"
    assert bucket.object_keys() == [key]

    # Without the keys the object cannot be read, and nobody was granted it.
    status, _body = anonymous_get(bucket.plain_url(key))
    assert status == 403
    grants = bucket.client.get_object_acl(Bucket=bucket.name, Key=key)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert all("AllUsers" not in str(grant["Grantee"]) for grant in grants)
    # The site streams it to whoever may see it, and no page names the bucket.
    file_url = reverse("portfolio:evidence-file", args=[item.pk])
    served = client.get(file_url)
    assert served.status_code == 200
    with item.file.open("rb") as stored:
        assert b"".join(served.streaming_content) == stored.read()
    detail = client.get(reverse("portfolio:evidence-detail", args=[item.pk])).text
    assert file_url in detail
    assert bucket.endpoint not in detail
    client.force_login(UserFactory(email="someone.else@example.com"))
    assert client.get(file_url).status_code == 404


def test_submitting_an_application_freezes_evidence_in_the_bucket_for_its_assessor(
    client, bucket, assessor, django_capture_on_commit_callbacks
):
    learner = UserFactory(email="applicant@example.com")
    micro_credential = MicroCredentialFactory(assessors=[assessor])
    client.force_login(learner)
    client.post(
        reverse("portfolio:evidence-create", args=["image"]),
        {"title": "Whiteboard", "upload": SimpleUploadedFile("board.png", png_bytes((64, 48)))},
    )
    item = EvidenceItem.objects.get(owner=learner)
    application = applying.start_application(by=learner, micro_credential_id=micro_credential.pk)
    for criterion in micro_credential.criteria_set.all():
        applying.save_response(
            application_id=application.pk,
            by=learner,
            criterion_id=criterion.pk,
            statement="How I meet it.",
            self_assessed_level_id=criterion.required_level_id,
            evidence_item_ids=[item.pk],
        )
    with django_capture_on_commit_callbacks(execute=True):
        applying.submit_application(application_id=application.pk, by=learner)
        reviewing.claim_application(application_id=application.pk, by=assessor)

    frozen = SubmittedEvidence.objects.get(application=application)
    frozen_key = f"private/{frozen.file.name}"
    assert frozen_key in bucket.object_keys()
    assert frozen.file.name != item.file.name
    assert anonymous_get(bucket.plain_url(frozen_key))[0] == 403
    # Its digest was read back from the bucket, in chunks, as it was frozen.
    with frozen.file.open("rb") as stored:
        assert frozen.sha256 == hashlib.sha256(stored.read()).hexdigest()
    # The learner deletes the library copy; the assessor still gets the frozen one.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portfolio:evidence-delete", args=[item.pk]))
    assert f"private/{item.file.name}" not in bucket.object_keys()
    client.force_login(assessor)
    served = client.get(reverse("assessments:submitted-evidence-file", args=[frozen.pk]))
    assert served.status_code == 200
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")

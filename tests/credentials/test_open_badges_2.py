"""Open Badges 2.0 hosted verification: Assertion, BadgeClass and Issuer JSON, and the baked PNG.

The objects follow the Open Badges 2.0 specification (standards digest §3): hosted
verification, the holder as a salted SHA-256 of their e-mail, a revoked assertion answering
410 Gone with `revoked: true` and its reason. The baked PNG carries the Assertion's URL in an
`openbadges` iTXt chunk, which openbadges-bakery (Concentric Sky's, an OB 2.0 baker) reads.
"""

import base64
import hashlib
import io
import json
from datetime import timedelta

import openbadges_bakery
import pytest
from django.core.files.base import ContentFile
from PIL import Image

from credentials.vc.baking import unbake_png
from tests.credentials.conftest import BADGES_SITE as SITE
from tests.credentials.conftest import NOW, issue, revoke, staff_member
from tests.factories import (
    MicroCredentialFactory,
    SkillFactory,
    SkillFrameworkFactory,
    UserFactory,
    png_bytes,
)

CONTEXT = "https://w3id.org/openbadges/v2"

pytestmark = pytest.mark.usefixtures("badges_site")


@pytest.fixture
def learner(db):
    return UserFactory(email="Ada.Learner@Example.org")


@pytest.fixture
def credential(learner, micro_credential):
    return issue(learner, micro_credential)


def assertion_path(credential):
    return f"/ob2/assertions/{credential.public_id}"


def get_json(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/ld+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    return json.loads(response.content)


def test_the_assertion_is_hosted_at_its_own_url(client, credential):
    assertion = get_json(client, assertion_path(credential))

    salt = assertion["recipient"]["salt"]
    assert assertion == {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": f"{SITE}/ob2/assertions/{credential.public_id}",
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": salt,
            "identity": "sha256$"
            + hashlib.sha256(f"ada.learner@example.org{salt}".encode()).hexdigest(),
        },
        "badge": f"{SITE}/ob2/badges/{credential.micro_credential_id}",
        "verification": {"type": "hosted"},
        "issuedOn": "2026-03-01T12:00:00Z",
        "expires": "2028-03-01T12:00:00Z",
        "evidence": f"{SITE}/c/{credential.public_id}/",
        "image": f"{SITE}/ob2/assertions/{credential.public_id}/badge.png",
    }
    assert len(salt) == 32
    assert "ada.learner" not in json.dumps(assertion).lower()


def test_the_salt_is_the_same_on_every_fetch_and_differs_between_credentials(
    client, credential, learner, micro_credential
):
    other = issue(learner, micro_credential)

    first = get_json(client, assertion_path(credential))["recipient"]
    again = get_json(client, assertion_path(credential))["recipient"]
    theirs = get_json(client, assertion_path(other))["recipient"]

    assert first == again
    assert theirs["salt"] != first["salt"]
    assert theirs["identity"] != first["identity"]


def test_a_credential_that_never_expires_has_no_expires(client, learner, issuer):
    forever = MicroCredentialFactory(issuer=issuer, validity_months=None)

    assertion = get_json(client, assertion_path(issue(learner, forever)))

    assert "expires" not in assertion
    assert assertion["issuedOn"] == "2026-03-01T12:00:00Z"


def test_a_revoked_assertion_is_gone_and_says_why(client, credential):
    revoke(credential, reason="Plagiarised.")

    response = client.get(assertion_path(credential))

    assert response.status_code == 410
    assert json.loads(response.content) == {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": f"{SITE}/ob2/assertions/{credential.public_id}",
        "revoked": True,
        "revocationReason": "Plagiarised.",
    }
    assert response["Cache-Control"] == "no-cache, private"


def test_a_withdrawn_holders_assertion_does_not_leak(client, credential):
    credential.learner.is_active = False
    credential.learner.save()

    # A 404 like the credential's page: not even whether it was revoked.
    assert client.get(f"/c/{credential.public_id}/").status_code == 404
    assert client.get(assertion_path(credential)).status_code == 404
    assert client.get(f"{assertion_path(credential)}/badge.png").status_code == 404
    # The issuer's staff still find it, as they find the page.
    client.force_login(staff_member(credential.issuer))
    assert get_json(client, assertion_path(credential))["type"] == "Assertion"


def test_a_hidden_credential_is_still_hosted_like_its_page(client, credential):
    # Hidden from the holder's public page, the credential's page still answers whoever has
    # its link; so does its assertion, whose URL is as unguessable.
    credential.is_shown_publicly = False
    credential.save()

    assert client.get(f"/c/{credential.public_id}/").status_code == 200
    assert get_json(client, assertion_path(credential))["type"] == "Assertion"


def test_an_unknown_assertion_is_a_404(client, db):
    assert client.get("/ob2/assertions/00000000-0000-4000-8000-000000000000").status_code == 404


def test_the_badge_class_describes_the_micro_credential(client, micro_credential):
    framework = SkillFrameworkFactory(name="ESCO", url="")
    micro_credential.skills.add(
        SkillFactory(
            framework=framework,
            name="tell stories with data",
            uri="http://data.europa.eu/esco/skill/abc",
            code="S1",
        )
    )
    micro_credential.badge_image.save("badge.png", ContentFile(png_bytes((256, 256))))

    badge_class = get_json(client, f"/ob2/badges/{micro_credential.pk}")

    assert badge_class == {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": f"{SITE}/ob2/badges/{micro_credential.pk}",
        "name": "Data Storytelling",
        "description": micro_credential.description,
        "image": f"{SITE}{micro_credential.badge_image.url}",
        "criteria": {
            "id": f"{SITE}/credentials/data-storytelling/",
            "narrative": micro_credential.criteria,
        },
        "issuer": f"{SITE}/ob2/issuers/{micro_credential.issuer.slug}",
        "alignment": [
            {
                "targetName": "tell stories with data",
                "targetUrl": "http://data.europa.eu/esco/skill/abc",
                "targetFramework": "ESCO",
                "targetCode": "S1",
            }
        ],
        "tags": ["tell stories with data"],
    }


def test_a_badge_class_without_a_badge_image_carries_the_generated_one(client, micro_credential):
    badge_class = get_json(client, f"/ob2/badges/{micro_credential.pk}")

    prefix = "data:image/png;base64,"
    assert badge_class["image"].startswith(prefix)

    with Image.open(io.BytesIO(base64.b64decode(badge_class["image"][len(prefix) :]))) as image:
        assert (image.format, image.size) == ("PNG", (256, 256))
    assert "alignment" not in badge_class


def test_a_draft_has_no_badge_class(client, issuer):
    draft = MicroCredentialFactory(issuer=issuer, status="draft")
    assert client.get(f"/ob2/badges/{draft.pk}").status_code == 404
    assert client.get("/ob2/badges/999999").status_code == 404


def test_the_issuer_profile(client, issuer):
    profile = get_json(client, f"/ob2/issuers/{issuer.slug}")

    assert profile["@context"] == CONTEXT
    assert profile["type"] == "Issuer"
    assert profile["id"] == f"{SITE}/ob2/issuers/{issuer.slug}"
    assert (profile["name"], profile["url"], profile["email"]) == (
        issuer.name,
        issuer.url,
        issuer.email,
    )
    assert client.get("/ob2/issuers/no-such-issuer").status_code == 404


def test_the_three_objects_link_up_on_one_origin(client, credential):
    assertion = get_json(client, assertion_path(credential))
    badge_class = get_json(client, assertion["badge"].removeprefix(SITE))
    issuer = get_json(client, badge_class["issuer"].removeprefix(SITE))

    # Hosted verification trusts only objects on the issuer's origin.
    assert {
        assertion["id"][: len(SITE)],
        badge_class["id"][: len(SITE)],
        issuer["id"][: len(SITE)],
    } == {SITE}
    assert issuer["name"] == credential.issuer.name


def test_the_baked_png_carries_the_assertion_url(client, credential):
    response = client.get(f"{assertion_path(credential)}/badge.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == (
        f'attachment; filename="credential-{credential.public_id}-open-badges-2.png"'
    )
    url = f"{SITE}/ob2/assertions/{credential.public_id}"
    assert openbadges_bakery.unbake(io.BytesIO(response.content)) == url
    assert unbake_png(response.content, keyword="openbadges") == url
    with Image.open(io.BytesIO(response.content)) as image:
        image.load()
        assert image.text == {"openbadges": url}


def test_the_pages_offer_the_open_badges_2_badge_until_revoked(client, credential, learner):
    link = f'href="/ob2/assertions/{credential.public_id}/badge.png"'
    client.force_login(learner)
    assert link in client.get(f"/c/{credential.public_id}/").content.decode()
    assert link in client.get("/me/credentials/").content.decode()

    revoke(credential)

    assert link not in client.get(f"/c/{credential.public_id}/").content.decode()
    assert link not in client.get("/me/credentials/").content.decode()


def test_an_assertion_costs_one_query(client, credential, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert client.get(assertion_path(credential)).status_code == 200


def test_only_reading_is_allowed(client, credential):
    assert client.post(assertion_path(credential)).status_code == 405
    assert client.head(assertion_path(credential)).status_code == 200


def test_an_expired_assertion_still_answers_with_its_expiry(client, credential, time_machine):
    time_machine.move_to(NOW + timedelta(days=365 * 3), tick=False)

    assertion = get_json(client, assertion_path(credential))

    assert assertion["expires"] == "2028-03-01T12:00:00Z"


def test_a_badge_class_and_an_issuer_cost_two_queries_and_one(
    client, micro_credential, django_assert_num_queries
):
    micro_credential.skills.add(SkillFactory(), SkillFactory())
    # The micro-credential with its issuer, then its skills with their frameworks.
    with django_assert_num_queries(2):
        assert client.get(f"/ob2/badges/{micro_credential.pk}").status_code == 200
    with django_assert_num_queries(1):
        assert client.get(f"/ob2/issuers/{micro_credential.issuer.slug}").status_code == 200

"""A credential's baked badges, /c/<id>/badge.png and /c/<id>/badge.svg (credentials.baked_badges).

Each carries the signed credential exactly as stored, in the micro-credential's own badge image
(or a generated one), with the access of /c/<id>.json.
"""

import base64
import io
import re
from pathlib import Path
from xml.etree import ElementTree

import png
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from credentials.baked_badges import HUES
from credentials.services import generate_signing_key, sign_credential
from credentials.vc.baking import OB3_SVG_NAMESPACE, unbake_png, unbake_svg
from tests.credentials.conftest import issue, staff_member
from tests.factories import UserFactory, png_bytes

SVG = "{http://www.w3.org/2000/svg}"
BADGE_COLOUR = (200, 30, 40)


@pytest.fixture
def learner(db):
    return UserFactory()


@pytest.fixture
def credential(learner, micro_credential):
    return issue(learner, micro_credential)


@pytest.fixture
def signed(credential):
    generate_signing_key(issuer_id=credential.issuer_id, by=None)
    return sign_credential(credential_id=credential.pk)


@pytest.fixture
def badge(micro_credential):
    data = png_bytes((256, 256), colour=BADGE_COLOUR)
    micro_credential.badge_image.save("badge.png", ContentFile(data))
    return data


def png_url(credential):
    return f"/c/{credential.public_id}/badge.png"


def svg_url(credential):
    return f"/c/{credential.public_id}/badge.svg"


def test_the_png_is_the_badge_with_the_signed_credential_baked_in(client, signed, badge):
    public_id = signed.credential.public_id

    response = client.get(png_url(signed.credential))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == f'attachment; filename="credential-{public_id}.png"'
    baked = response.content
    assert unbake_png(baked) == signed.content
    # The uploaded image, its bytes untouched: only the credential's chunk was added.
    assert baked[: len(badge) - 12] == badge[:-12]
    with Image.open(io.BytesIO(baked)) as image:
        image.load()
        assert image.text["openbadgecredential"] == signed.content
        assert image.getpixel((128, 128)) == BADGE_COLOUR


def test_the_svg_shows_the_badge_and_carries_the_signed_credential(client, signed, badge):
    public_id = signed.credential.public_id

    response = client.get(svg_url(signed.credential))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Disposition"] == f'attachment; filename="credential-{public_id}.svg"'
    assert unbake_svg(response.content) == signed.content
    root = ElementTree.fromstring(response.content)  # noqa: S314  # our own output
    assert root[0].tag == f"{{{OB3_SVG_NAMESPACE}}}credential"
    assert root[0].text == signed.content
    assert root.find(f"{SVG}title").text == "Data Storytelling"
    image = root.find(f"{SVG}image")
    assert (image.get("width"), image.get("height")) == ("256", "256")
    embedded = image.get("href").removeprefix("data:image/png;base64,")
    assert base64.b64decode(embedded) == badge


def test_without_a_badge_image_a_generated_badge_is_baked(client, signed):
    credential = signed.credential
    assert not credential.micro_credential.badge_image

    baked_png = client.get(png_url(credential)).content
    baked_svg = client.get(svg_url(credential)).content

    assert unbake_png(baked_png) == signed.content
    width, height, rows, info = png.Reader(bytes=baked_png).read()
    assert (width, height, info["alpha"]) == (256, 256, True)
    pixels = [list(row) for row in rows]
    # The hexagon in the badge's colour, transparent corners (RGBA, four values a pixel).
    assert pixels[0][:4] == [0, 0, 0, 0]
    # The colour the pages give this micro-credential's generated badge.
    colour = HUES[credential.micro_credential.pk % len(HUES)]
    assert pixels[128][20 * 4 : 20 * 4 + 4] == [*bytes.fromhex(colour[1:]), 255]
    assert unbake_svg(baked_svg) == signed.content
    root = ElementTree.fromstring(baked_svg)  # noqa: S314
    assert root.find(f"{SVG}polygon").get("fill") == colour
    assert root.find(f"{SVG}text").text == "DS"


def test_a_badge_lost_from_storage_falls_back_to_the_generated_one(client, signed, badge, caplog):
    default_storage.delete(signed.credential.micro_credential.badge_image.name)

    response = client.get(png_url(signed.credential))

    assert response.status_code == 200
    assert unbake_png(response.content) == signed.content
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.mode == "RGBA"
    assert "cannot be used for baking; using a generated one" in caplog.text
    assert unbake_svg(client.get(svg_url(signed.credential)).content) == signed.content


def test_a_stored_badge_that_is_not_a_png_falls_back_too(client, signed, micro_credential):
    micro_credential.badge_image.save("badge.png", ContentFile(b"GIF89a not a png"))

    response = client.get(svg_url(signed.credential))

    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)  # noqa: S314
    assert root.find(f"{SVG}polygon") is not None
    assert root.find(f"{SVG}image") is None


def test_an_unsigned_credential_has_no_baked_badge_and_no_link(client, credential, learner):
    assert client.get(png_url(credential)).status_code == 404
    assert client.get(svg_url(credential)).status_code == 404
    page = client.get(f"/c/{credential.public_id}/").content.decode()
    assert png_url(credential) not in page
    assert svg_url(credential) not in page
    client.force_login(learner)
    assert png_url(credential) not in client.get("/me/credentials/").content.decode()
    # ...and once signed, both offer them.
    generate_signing_key(issuer_id=credential.issuer_id, by=None)
    sign_credential(credential_id=credential.pk)
    mine = client.get("/me/credentials/").content.decode()
    assert f'href="{png_url(credential)}" download>PNG' in mine
    assert f'href="{svg_url(credential)}" download>SVG' in mine


def test_the_credential_page_offers_them(client, signed, learner):
    url = f"/c/{signed.credential.public_id}/"

    public = client.get(url).content.decode()
    client.force_login(learner)
    holder = client.get(url).content.decode()

    assert f'<a href="{png_url(signed.credential)}" download>PNG</a>' in public
    assert f'<a href="{svg_url(signed.credential)}" download>SVG</a>' in public
    # The holder's own tools offer the PNG as a button too.
    assert "Download the baked badge (PNG)" in holder
    assert "Download the baked badge (PNG)" not in public


def test_a_baked_badge_is_a_404_where_the_page_is(client, signed):
    credential = signed.credential
    credential.learner.is_active = False
    credential.learner.save()

    assert client.get(f"/c/{credential.public_id}/").status_code == 404
    assert client.get(png_url(credential)).status_code == 404
    assert client.get(svg_url(credential)).status_code == 404
    # The issuer's staff still find it, as they find the page.
    client.force_login(staff_member(credential.issuer))
    assert client.get(png_url(credential)).status_code == 200
    assert client.get(svg_url(credential)).status_code == 200


def test_an_unknown_credential_has_no_baked_badge(client, db):
    assert client.get("/c/00000000-0000-4000-8000-000000000000/badge.png").status_code == 404
    assert client.get("/c/00000000-0000-4000-8000-000000000000/badge.svg").status_code == 404


def test_only_reading_is_allowed(client, signed):
    assert client.post(png_url(signed.credential)).status_code == 405
    assert client.head(png_url(signed.credential)).status_code == 200


def test_a_baked_badge_costs_one_query(client, signed, badge, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert client.get(png_url(signed.credential)).status_code == 200
    with django_assert_num_queries(1):
        assert client.get(svg_url(signed.credential)).status_code == 200


def test_the_generated_badges_colours_are_the_pages():
    css = (Path(__file__).parents[2] / "static" / "css" / "credentials.css").read_text()
    assert re.findall(r"\.badge-hue-\d \{ background: (#[0-9a-f]{6}); \}", css) == list(HUES)

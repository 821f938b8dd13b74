import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image

from portfolio.models import LearnerProfile
from portfolio.services.profiles import (
    ProfileError,
    ensure_profile,
    remove_avatar,
    set_avatar,
    update_profile,
)
from tests.concurrency import requires_postgresql, wait_until_blocked
from tests.factories import LearnerProfileFactory, UserFactory, png_bytes
from tests.refusals import field_errors

URL = "/me/profile/"
MALFORMED = (
    "Use 3 to 80 lowercase letters, numbers and hyphens, starting and ending with a letter "
    "or number (for example “amara-okafor”)."
)
TAKEN = "This address is already taken by another learner. Choose another one."
NOT_AN_IMAGE = "Your avatar must be a PNG, JPEG, WebP or GIF image. This file is a PDF document."


def form_data(profile, **changes):
    data = {
        "display_name": profile.display_name,
        "headline": profile.headline,
        "location": profile.location,
        "bio": profile.bio,
        "slug": profile.slug,
    }
    if profile.is_public:
        data["is_public"] = "on"
    if profile.in_directory:
        data["in_directory"] = "on"
    if profile.transcript_is_public:
        data["transcript_is_public"] = "on"
    if profile.accepts_contact_requests:
        data["accepts_contact_requests"] = "on"
    data.update(changes)
    return data


def jpeg_with_gps(size=(80, 60)):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Ltd"  # Make
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}  # GPS IFD
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def saved_image(profile):
    profile.refresh_from_db()
    with profile.avatar.open("rb") as stored:
        return Image.open(io.BytesIO(stored.read()))


def test_learner_sees_the_form_filled_with_their_profile(client, learner):
    client.force_login(learner)
    response = client.get(URL)
    assert f'value="{learner.profile.display_name}"' in response.text
    assert f'value="{learner.profile.slug}"' in response.text
    assert "Your profile is private, so this address shows “not found” to everyone." in (
        response.text
    )


def test_saving_the_profile_stores_every_field_and_says_so(client, learner):
    client.force_login(learner)
    response = client.post(
        URL,
        form_data(
            learner.profile,
            display_name="Ada Example",
            headline="Junior data analyst",
            location="Leeds",
            bio="I like tidy data.\nAnd clear charts.",
            slug="Ada-Example",
            is_public="on",
        ),
        follow=True,
    )
    assert response.redirect_chain == [(URL, 302)]
    assert [str(m) for m in response.context["messages"]] == ["Your profile has been saved."]
    profile = LearnerProfile.objects.get(user=learner)
    assert (profile.display_name, profile.headline, profile.location) == (
        "Ada Example",
        "Junior data analyst",
        "Leeds",
    )
    assert profile.bio == "I like tidy data.\nAnd clear charts."
    assert profile.slug == "ada-example"
    assert profile.is_public is True


def test_profile_stays_private_unless_the_switch_is_ticked(client, learner):
    LearnerProfile.objects.filter(user=learner).update(is_public=True)
    client.force_login(learner)
    data = form_data(learner.profile, display_name="Still Me")
    data.pop("is_public", None)
    client.post(URL, data)
    assert LearnerProfile.objects.get(user=learner).is_public is False


def test_learner_can_leave_the_directory_and_come_back(client, learner):
    client.force_login(learner)
    assert 'id="id_in_directory" checked' in client.get(URL).text
    data = form_data(learner.profile)
    data.pop("in_directory")
    client.post(URL, data)
    assert LearnerProfile.objects.get(user=learner).in_directory is False
    assert 'id="id_in_directory" checked' not in client.get(URL).text
    client.post(URL, form_data(learner.profile, in_directory="on"))
    assert LearnerProfile.objects.get(user=learner).in_directory is True


def test_the_transcript_is_public_only_when_ticked_and_off_by_default(client, learner):
    profile = LearnerProfile.objects.get(user=learner)
    assert profile.transcript_is_public is False
    client.force_login(learner)
    assert 'name="transcript_is_public"' in client.get(URL).text

    client.post(URL, form_data(profile, is_public="on", transcript_is_public="on"))
    assert LearnerProfile.objects.get(user=learner).transcript_is_public is True

    client.post(URL, form_data(profile, is_public="on"))
    assert LearnerProfile.objects.get(user=learner).transcript_is_public is False


@pytest.mark.parametrize("slug", ["my page!", "ab", "-leading", "trailing-", "under_score"])
def test_malformed_slug_is_refused_with_the_rule(client, learner, slug):
    client.force_login(learner)
    old_slug = learner.profile.slug
    response = client.post(URL, form_data(learner.profile, slug=slug))
    assert response.status_code == 200
    assert response.context["form"].errors == {"slug": [MALFORMED]}
    assert LearnerProfile.objects.get(user=learner).slug == old_slug


def test_reserved_slug_is_refused(client, learner):
    client.force_login(learner)
    response = client.post(URL, form_data(learner.profile, slug="Admin"))
    assert response.context["form"].errors == {
        "slug": ["“admin” is reserved. Choose another address."]
    }


def test_slug_taken_by_another_learner_is_refused_and_nothing_is_saved(
    client, learner, public_learner
):
    client.force_login(learner)
    old_name = learner.profile.display_name
    response = client.post(
        URL, form_data(learner.profile, slug="public-learner", display_name="Changed")
    )
    assert response.context["form"].errors == {"slug": [TAKEN]}
    assert '<div class="field field-invalid">' in response.text
    assert LearnerProfile.objects.get(user=learner).display_name == old_name


def test_keeping_ones_own_slug_is_not_taken(client, learner):
    client.force_login(learner)
    response = client.post(URL, form_data(learner.profile, headline="New headline"))
    assert response.status_code == 302
    assert LearnerProfile.objects.get(user=learner).headline == "New headline"


def test_display_name_is_required(client, learner):
    client.force_login(learner)
    response = client.post(URL, form_data(learner.profile, display_name=""))
    assert response.context["form"].errors == {"display_name": ["This field is required."]}


def test_avatar_upload_is_re_encoded_without_exif(
    client, learner, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    upload = SimpleUploadedFile("me.jpg", jpeg_with_gps(), content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, form_data(learner.profile, avatar=upload))
    assert response.status_code == 302
    image = saved_image(learner.profile)
    assert image.format == "JPEG"
    assert image.size == (80, 60)
    assert len(image.getexif()) == 0
    assert "exif" not in image.info
    assert learner.profile.avatar.name.startswith("avatars/")
    assert learner.profile.avatar.name.endswith(".jpg")
    assert "me" not in learner.profile.avatar.name.rsplit("/", 1)[-1]


def test_large_avatar_is_downscaled_to_512_pixels(client, learner):
    client.force_login(learner)
    upload = SimpleUploadedFile("big.png", png_bytes((1200, 800)), content_type="image/png")
    client.post(URL, form_data(learner.profile, avatar=upload))
    image = saved_image(learner.profile)
    assert image.format == "PNG"
    assert image.size == (512, 341)


def test_avatar_name_and_browser_type_do_not_matter_only_content(client, learner):
    client.force_login(learner)
    upload = SimpleUploadedFile("avatar.pdf", png_bytes(), content_type="application/pdf")
    client.post(URL, form_data(learner.profile, avatar=upload))
    assert saved_image(learner.profile).format == "PNG"


def test_non_image_avatar_is_refused_with_the_exact_message(client, learner):
    client.force_login(learner)
    pdf = SimpleUploadedFile(
        "photo.png", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="image/png"
    )
    response = client.post(URL, form_data(learner.profile, avatar=pdf, display_name="Changed"))
    assert response.context["form"].errors == {"avatar": [NOT_AN_IMAGE]}
    profile = LearnerProfile.objects.get(user=learner)
    assert not profile.avatar
    assert profile.display_name != "Changed"


def test_unrecognised_avatar_gets_the_image_only_message(client, learner):
    client.force_login(learner)
    upload = SimpleUploadedFile("me.png", b"\x00\x01\x02 not an image", content_type="image/png")
    response = client.post(URL, form_data(learner.profile, avatar=upload))
    assert response.context["form"].errors == {
        "avatar": ["Your avatar must be a PNG, JPEG, WebP or GIF image."]
    }


def test_svg_avatar_is_refused(client, learner):
    client.force_login(learner)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    upload = SimpleUploadedFile("me.svg", svg, content_type="image/svg+xml")
    response = client.post(URL, form_data(learner.profile, avatar=upload))
    assert response.context["form"].errors == {
        "avatar": [
            "SVG images are not accepted because they can contain scripts. Upload a PNG, JPEG, "
            "WebP or GIF image instead."
        ]
    }


def test_replacing_the_avatar_deletes_the_old_file_after_commit(
    client, learner, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    first = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    client.post(URL, form_data(learner.profile, avatar=first))
    learner.profile.refresh_from_db()
    old_name = learner.profile.avatar.name
    assert default_storage.exists(old_name)

    second = SimpleUploadedFile("b.png", png_bytes(colour=(0, 0, 0)), content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(URL, form_data(learner.profile, avatar=second))
    learner.profile.refresh_from_db()
    # Other apps react after commit too (the directory's refresh); one deletion is ours.
    deletions = [c for c in callbacks if getattr(c, "func", None) == default_storage.delete]
    assert len(deletions) == 1
    assert learner.profile.avatar.name != old_name
    assert default_storage.exists(learner.profile.avatar.name)
    assert not default_storage.exists(old_name)


def test_remove_avatar_checkbox_clears_it_and_deletes_the_file(
    client, learner, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    set_avatar(
        profile_id=learner.profile.pk,
        by=learner,
        upload=SimpleUploadedFile("a.png", png_bytes(), content_type="image/png"),
    )
    learner.profile.refresh_from_db()
    old_name = learner.profile.avatar.name
    page = client.get(URL)
    assert "Remove my avatar" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, form_data(learner.profile, remove_avatar="on"), follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Your profile has been saved."]
    learner.profile.refresh_from_db()
    assert not learner.profile.avatar
    assert not default_storage.exists(old_name)
    assert "No avatar yet: your initials show instead." in response.text


def test_remove_and_replace_at_once_is_refused(client, learner):
    set_avatar(
        profile_id=learner.profile.pk,
        by=learner,
        upload=SimpleUploadedFile("a.png", png_bytes(), content_type="image/png"),
    )
    client.force_login(learner)
    upload = SimpleUploadedFile("b.png", png_bytes(), content_type="image/png")
    response = client.post(URL, form_data(learner.profile, avatar=upload, remove_avatar="on"))
    assert response.context["form"].non_field_errors() == [
        "Choose a new avatar or remove the current one, not both."
    ]


@pytest.mark.parametrize("role", ["assessor", "employer", "issuer_staff"])
@pytest.mark.parametrize("url", [URL, "/me/portfolio/"])
def test_other_roles_get_404(client, request, role, url, learner):
    client.force_login(request.getfixturevalue(role))
    assert client.get(url).status_code == 404
    assert client.post(url, {"display_name": "x", "slug": "some-slug"}).status_code == 404
    assert not LearnerProfile.objects.filter(slug="some-slug").exists()
    client.force_login(learner)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", [URL, "/me/portfolio/"])
def test_anonymous_visitors_are_sent_to_log_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={url}"


def test_learner_without_a_profile_gets_one_on_first_visit(client, db):
    user = UserFactory(email="admin-made@example.com", with_profile=False)
    client.force_login(user)
    response = client.get(URL)
    assert 'value="admin-made"' in response.text
    assert LearnerProfile.objects.filter(user=user).count() == 1


def test_update_profile_refuses_someone_elses_profile(learner, other_learner):
    with pytest.raises(ProfileError, match=r"^You can only change your own profile\.$"):
        update_profile(
            profile_id=other_learner.profile.pk, by=learner, display_name="Hacked", slug="hacked"
        )
    assert LearnerProfile.objects.get(user=other_learner).display_name != "Hacked"


def test_avatar_services_refuse_someone_elses_profile(learner, other_learner):
    upload = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    with pytest.raises(ProfileError, match=r"^You can only change your own profile\.$"):
        set_avatar(profile_id=other_learner.profile.pk, by=learner, upload=upload)
    with pytest.raises(ProfileError, match=r"^You can only change your own profile\.$"):
        remove_avatar(profile_id=other_learner.profile.pk, by=learner)


def test_update_profile_refuses_a_taken_slug_by_field(learner, public_learner):
    with pytest.raises(ProfileError) as caught:
        update_profile(
            profile_id=learner.profile.pk, by=learner, display_name="Me", slug="public-learner"
        )
    assert field_errors(caught.value) == {"slug": [TAKEN]}


def test_remove_avatar_is_idempotent(learner):
    upload = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    set_avatar(profile_id=learner.profile.pk, by=learner, upload=upload)
    assert LearnerProfile.objects.get(user=learner).avatar

    remove_avatar(profile_id=learner.profile.pk, by=learner)
    profile = remove_avatar(profile_id=learner.profile.pk, by=learner)

    assert profile.pk == learner.profile.pk
    assert not profile.avatar
    assert not LearnerProfile.objects.get(user=learner).avatar


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("admin@example.com", "admin-learner"),
        ("jo@example.com", "jo-learner"),
        ("a_b.c@x.org", "a-bc"),
    ],
)
def test_generated_slugs_follow_the_address_rules(db, email, expected):
    user = UserFactory(email=email, with_profile=False)
    assert ensure_profile(user=user).slug == expected


def test_generated_slug_avoids_an_existing_one(db):
    LearnerProfileFactory(user=UserFactory(with_profile=False), slug="sam")
    user = UserFactory(email="sam@example.com", with_profile=False)
    assert ensure_profile(user=user).slug == "sam-2"


@requires_postgresql
def test_ensure_profile_racing_another_creation_returns_the_one_that_won(racer):
    user = UserFactory(with_profile=False, first_name="Ada", last_name="Lovelace")
    with transaction.atomic():
        # Another request creating this user's profile, not yet committed.
        winner = LearnerProfile.objects.create(user=user, display_name="Ada", slug="ada-first")
        ensuring = racer.start(lambda: ensure_profile(user=user))
        wait_until_blocked(1)  # on the user's entry in the one-profile-per-user index
    assert ensuring.result(timeout=30).pk == winner.pk
    assert LearnerProfile.objects.filter(user=user).count() == 1


@pytest.mark.parametrize("slug", ["Upper-Case", "admin"])
def test_update_profile_refuses_a_malformed_or_reserved_slug_by_field(learner, slug):
    # The form checks the shape first; the service checks again for its other callers.
    before = LearnerProfile.objects.get(user=learner).slug
    with pytest.raises(ProfileError) as caught:
        update_profile(profile_id=learner.profile.pk, by=learner, display_name="Me", slug=slug)
    assert list(field_errors(caught.value)) == ["slug"]
    assert LearnerProfile.objects.get(user=learner).slug == before


@requires_postgresql
def test_update_profile_racing_another_learner_for_a_slug_is_told_it_is_taken(racer):
    learner = UserFactory(email="second@example.com")
    first = UserFactory(email="first@example.com").profile
    with transaction.atomic():
        # The other learner's change to the address, not yet committed: the check under the
        # lock cannot see it, so the unique index has the last word.
        LearnerProfile.objects.filter(pk=first.pk).update(slug="wanted-address")
        updating = racer.start(
            lambda: update_profile(
                profile_id=learner.profile.pk, by=learner, display_name="Me", slug="wanted-address"
            )
        )
        wait_until_blocked(1)  # on the slug's entry in the unique index
    with pytest.raises(ProfileError) as caught:
        updating.result(timeout=30)
    assert field_errors(caught.value) == {"slug": [TAKEN]}
    assert LearnerProfile.objects.get(slug="wanted-address").pk == first.pk
    assert LearnerProfile.objects.get(user=learner).display_name != "Me"

"""Share links: a private page shown to whoever holds the link, until it expires or is revoked."""

import re
from datetime import timedelta

import pytest

from credentials.exceptions import ShareLinkNotAllowed
from credentials.models import ShareLink
from credentials.permissions import hash_share_token
from credentials.services import create_share_link, revoke_share_link
from portfolio.models import Event, LearnerProfile
from tests.credentials.conftest import NOW, issue
from tests.factories import EvidenceItemFactory, MicroCredentialFactory

MANAGE = "/me/share-links/"


@pytest.fixture
def private_learner(public_learner):
    LearnerProfile.objects.filter(user=public_learner).update(is_public=False)
    return public_learner


def make_link(owner, days=7, label="Acme recruiting"):
    return create_share_link(by=owner, label=label, expires_at=NOW + timedelta(days=days))


def shared_url(created):
    return f"/p/public-learner/s/{created.token}/"


def test_a_link_shows_a_private_page_with_its_credentials_and_evidence(client, private_learner):
    EvidenceItemFactory(owner=private_learner, title="Shown work", public=True)
    EvidenceItemFactory(owner=private_learner, title="Kept private")
    issue(private_learner, MicroCredentialFactory(title="Careful Charts", validity_months=12))
    assert client.get("/p/public-learner/").status_code == 404
    response = client.get(shared_url(make_link(private_learner)))
    assert response.status_code == 200
    text = response.text
    assert "<h1>Public Learner</h1>" in text
    assert "Shown work" in text
    assert "Kept private" not in text
    assert "Careful Charts" in text
    assert "shared this page with you through a private link" in text
    # Secret: never indexed, cached by others or passed on in the Referer header.
    assert '<meta name="robots" content="noindex">' in text
    assert 'rel="canonical"' not in text
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]


def test_only_a_hash_of_the_token_is_stored(private_learner):
    created = make_link(private_learner)
    stored = ShareLink.objects.get(pk=created.share_link.pk)
    assert stored.token_hash == hash_share_token(created.token)
    assert created.token not in stored.token_hash


def test_an_expired_link_answers_410(client, private_learner, time_machine):
    created = make_link(private_learner, days=2)
    assert client.get(shared_url(created)).status_code == 200
    time_machine.move_to(NOW + timedelta(days=2, seconds=1), tick=False)
    response = client.get(shared_url(created))
    assert response.status_code == 410
    assert "This link no longer works" in response.text
    assert "Public Learner" not in response.text


def test_a_revoked_link_stops_working_at_once(client, private_learner):
    created = make_link(private_learner)
    assert client.get(shared_url(created)).status_code == 200
    revoke_share_link(share_link_id=created.share_link.pk, by=private_learner)
    response = client.get(shared_url(created))
    assert response.status_code == 410
    assert "Public Learner" not in response.text


@pytest.mark.parametrize("token", ["not-a-real-token", "x" * 500, "%00"])
def test_an_unknown_token_answers_404(client, private_learner, token):
    make_link(private_learner)
    assert client.get(f"/p/public-learner/s/{token}/").status_code == 404


def test_a_token_only_opens_its_own_learners_page(client, private_learner, other_learner):
    created = make_link(private_learner)
    other_slug = other_learner.profile.slug
    assert client.get(f"/p/{other_slug}/s/{created.token}/").status_code == 404


def test_a_deactivated_account_shows_nothing_through_a_link(client, private_learner):
    created = make_link(private_learner)
    private_learner.is_active = False
    private_learner.save(update_fields=["is_active"])
    assert client.get(shared_url(created)).status_code == 404


def test_creating_and_revoking_record_one_event_each(private_learner):
    created = make_link(private_learner)
    revoke_share_link(share_link_id=created.share_link.pk, by=private_learner)
    # Revoking again changes nothing.
    revoke_share_link(share_link_id=created.share_link.pk, by=private_learner)
    verbs = list(
        Event.objects.filter(target_type="credentials.sharelink").values_list("verb", flat=True)
    )
    assert sorted(verbs) == ["share_link.created", "share_link.revoked"]


@pytest.mark.parametrize(
    ("label", "days", "code"),
    [
        ("  ", 7, "share_link.label_missing"),
        ("Acme", 0, "share_link.expiry_out_of_range"),
        ("Acme", -1, "share_link.expiry_out_of_range"),
        ("Acme", 91, "share_link.expiry_out_of_range"),
    ],
)
def test_a_link_needs_a_label_and_an_expiry_within_90_days(private_learner, label, days, code):
    with pytest.raises(ShareLinkNotAllowed) as refused:
        make_link(private_learner, days=days, label=label)
    assert refused.value.code == code
    assert not ShareLink.objects.exists()


def test_only_learners_make_links_and_only_their_own_are_revoked(
    private_learner, other_learner, employer
):
    with pytest.raises(ShareLinkNotAllowed) as refused:
        make_link(employer)
    assert refused.value.code == "share_link.not_learner"
    created = make_link(private_learner)
    with pytest.raises(ShareLinkNotAllowed) as refused:
        revoke_share_link(share_link_id=created.share_link.pk, by=other_learner)
    assert refused.value.code == "share_link.not_found"
    assert ShareLink.objects.get().revoked_at is None


def test_the_learner_makes_a_link_and_sees_it_once(client, private_learner):
    client.force_login(private_learner)
    response = client.post(MANAGE, {"label": "Acme Ltd", "expires_on": "2026-03-15"})
    assert response.status_code == 200
    match = re.search(
        r'data-copy-url="(http://testserver/p/public-learner/s/[^"/]+/)"', response.text
    )
    assert match is not None
    link = ShareLink.objects.get()
    assert link.label == "Acme Ltd"
    # Through the whole of the chosen day (UTC, the site's zone).
    assert link.expires_at == NOW.replace(day=16, hour=0)
    assert client.get(match.group(1).removeprefix("http://testserver")).status_code == 200
    # Listed afterwards, without the secret.
    listing = client.get(MANAGE).text
    assert "Acme Ltd" in listing
    assert match.group(1) not in listing


def test_the_form_says_what_is_wrong(client, private_learner):
    client.force_login(private_learner)
    response = client.post(MANAGE, {"label": "Acme", "expires_on": "2027-01-01"})
    assert "Choose an expiry date within the next 90 days." in response.text
    response = client.post(MANAGE, {"label": "", "expires_on": "not a date"})
    assert "This field is required." in response.text
    assert "Enter a valid date." in response.text
    assert not ShareLink.objects.exists()


def test_the_learner_revokes_a_link_from_the_page(client, private_learner, other_learner):
    created = make_link(private_learner)
    client.force_login(private_learner)
    response = client.post(
        "/me/share-links/revoke/", {"share_link": created.share_link.pk}, follow=True
    )
    assert "The link for “Acme recruiting” no longer works." in response.text
    assert '<span class="pill pill-revoked">Revoked</span>' in response.text
    assert client.get(shared_url(created)).status_code == 410


def test_someone_elses_link_cannot_be_revoked_through_the_page(
    client, private_learner, other_learner
):
    created = make_link(private_learner)
    client.force_login(other_learner)
    response = client.post(
        "/me/share-links/revoke/", {"share_link": created.share_link.pk}, follow=True
    )
    assert "There is no such share link." in response.text
    assert ShareLink.objects.get().revoked_at is None
    assert client.post("/me/share-links/revoke/", {"share_link": "x"}).status_code == 404


def test_the_page_exists_only_for_learners(client, employer):
    client.force_login(employer)
    assert client.get(MANAGE).status_code == 404
    client.logout()
    assert client.get(MANAGE).status_code == 302

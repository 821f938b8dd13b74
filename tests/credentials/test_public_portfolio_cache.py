"""Anonymous views of /p/<slug>/ come from a cache that events and saves keep current."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from credentials import page_cache
from credentials.services import (
    publish_micro_credential,
    retire_micro_credential,
    set_credential_visibility,
)
from portfolio.services.curation import curate_portfolio
from portfolio.services.profiles import update_profile
from tests.credentials.conftest import issue, revoke
from tests.factories import EvidenceItemFactory, MicroCredentialFactory, SkillFactory

URL = "/p/public-learner/"


def add_content(owner, count, skills, start=0):
    for n in range(start, start + count):
        item = EvidenceItemFactory(owner=owner, title=f"Item {n}", public=True, public_position=n)
        item.skills.set(skills)
        micro_credential = MicroCredentialFactory(title=f"Credential {n:02d}", validity_months=12)
        micro_credential.skills.set(skills)
        issue(owner, micro_credential)


def rename(profile, name, **changes):
    return update_profile(
        profile_id=profile.pk,
        by=profile.user,
        display_name=name,
        slug=changes.get("slug", profile.slug),
        is_public=changes.get("is_public", True),
    )


@pytest.fixture
def skills(db):
    return [SkillFactory(name="Data cleaning"), SkillFactory(name="Charting")]


def test_a_second_anonymous_view_is_served_from_the_cache_with_no_query(
    client, public_learner, skills, django_assert_num_queries
):
    add_content(public_learner, 3, skills)
    # The profile, the items, their skills, the credentials and their skills.
    with django_assert_num_queries(5):
        first = client.get(URL)
    with django_assert_num_queries(0):
        second = client.get(URL)
    assert second.content == first.content
    assert "Credential 02" in second.text
    assert second["ETag"] == first["ETag"]
    assert second["Cache-Control"] == "no-cache"
    assert "Cookie" in second["Vary"]


def test_query_counts_do_not_grow_with_credentials_and_evidence(
    client, public_learner, skills, django_assert_num_queries
):
    add_content(public_learner, 2, skills)
    with django_assert_num_queries(5):
        client.get(URL)
    add_content(public_learner, 6, skills, start=2)
    cache.clear()
    with django_assert_num_queries(5):
        response = client.get(URL)
    assert response.text.count('class="card badge-card') == 8
    with django_assert_num_queries(0):
        assert client.get(URL).content == response.content


def test_the_owners_view_is_never_cached_and_its_queries_are_pinned(
    client, public_learner, skills, django_assert_num_queries
):
    add_content(public_learner, 2, skills)
    client.force_login(public_learner)
    # Session, user, the header's unread count and the profile; then the page's five.
    with django_assert_num_queries(8):
        response = client.get(URL)
    assert "This is your public page" in response.text
    assert "no-store" in response["Cache-Control"]
    assert not response.has_header("ETag")
    add_content(public_learner, 6, skills, start=2)
    with django_assert_num_queries(8):
        response = client.get(URL)
    assert response.text.count('class="card badge-card') == 8
    # The owner's view was not cached for visitors either.
    client.logout()
    assert "This is your public page" not in client.get(URL).text


def test_a_matching_etag_is_answered_with_304(client, public_learner):
    first = client.get(URL)
    again = client.get(URL, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    other = client.get(URL, headers={"if-none-match": '"something-else"'})
    assert other.status_code == 200
    assert "<h1>Public Learner</h1>" in other.text


def test_a_profile_edit_reaches_the_cached_page(
    client, public_learner, django_capture_on_commit_callbacks
):
    first = client.get(URL)
    assert "<h1>Public Learner</h1>" in first.text
    with django_capture_on_commit_callbacks(execute=True):
        rename(public_learner.profile, "Renamed Learner")
    response = client.get(URL, headers={"if-none-match": first["ETag"]})
    assert response.status_code == 200
    assert "<h1>Renamed Learner</h1>" in response.text


def test_curating_evidence_reaches_the_cached_page(
    client, public_learner, django_capture_on_commit_callbacks
):
    item = EvidenceItemFactory(owner=public_learner, title="Fresh work")
    assert "Fresh work" not in client.get(URL).text
    with django_capture_on_commit_callbacks(execute=True):
        curate_portfolio(by=public_learner, public_item_ids_in_order=[item.pk])
    assert "Fresh work" in client.get(URL).text


def test_issuing_hiding_and_revoking_credentials_reach_the_cached_page(
    client, public_learner, django_capture_on_commit_callbacks
):
    assert "Careful Charts" not in client.get(URL).text
    with django_capture_on_commit_callbacks(execute=True):
        credential = issue(
            public_learner, MicroCredentialFactory(title="Careful Charts", validity_months=12)
        )
    assert "Careful Charts" in client.get(URL).text
    with django_capture_on_commit_callbacks(execute=True):
        set_credential_visibility(
            credential_id=credential.pk, by=public_learner, is_shown_publicly=False
        )
    assert "Careful Charts" not in client.get(URL).text
    with django_capture_on_commit_callbacks(execute=True):
        set_credential_visibility(
            credential_id=credential.pk, by=public_learner, is_shown_publicly=True
        )
    assert "Careful Charts" in client.get(URL).text
    with django_capture_on_commit_callbacks(execute=True):
        revoke(credential)
    text = client.get(URL).text
    assert "Careful Charts" not in text
    assert "<h1>Public Learner</h1>" in text


def test_a_page_made_private_or_deactivated_is_gone_at_once_though_cached(
    client, public_learner, django_capture_on_commit_callbacks
):
    assert client.get(URL).status_code == 200
    # Saved as the admin saves them, with no event: gone once that commits.
    with django_capture_on_commit_callbacks(execute=True):
        public_learner.is_active = False
        public_learner.save(update_fields=["is_active"])
    assert client.get(URL).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        public_learner.is_active = True
        public_learner.save(update_fields=["is_active"])
    assert client.get(URL).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        public_learner.profile.is_public = False
        public_learner.profile.save()
    assert client.get(URL).status_code == 404


def test_a_page_made_private_through_the_service_is_gone_at_once_though_cached(
    client, public_learner, django_capture_on_commit_callbacks
):
    assert "<h1>Public Learner</h1>" in client.get(URL).text
    with django_capture_on_commit_callbacks(execute=True):
        rename(public_learner.profile, "Public Learner", is_public=False)
    assert client.get(URL).status_code == 404


def test_the_page_at_a_slug_its_learner_left_is_gone_at_once_though_cached(
    client, public_learner, django_capture_on_commit_callbacks
):
    assert client.get(URL).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        rename(public_learner.profile, "Public Learner", slug="moved-on")
    assert client.get(URL).status_code == 404
    assert "<h1>Public Learner</h1>" in client.get("/p/moved-on/").text


def test_a_change_behind_every_event_and_signal_lasts_no_longer_than_max_age(
    client, public_learner, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    assert client.get(URL).status_code == 200
    # QuerySet.update() sends no signal and records no event: the copy stands until it ends.
    type(public_learner.profile).objects.filter(pk=public_learner.profile.pk).update(
        is_public=False
    )
    assert client.get(URL).status_code == 200
    time_machine.shift(timedelta(seconds=page_cache.MAX_AGE_SECONDS + 1))
    assert client.get(URL).status_code == 404


def test_the_cache_never_outlives_a_shown_credential_expiring(client, public_learner, time_machine):
    credential = issue(public_learner, MicroCredentialFactory(title="Short", validity_months=1))
    # Five minutes before it expires: well inside the cache's own lifetime.
    time_machine.move_to(credential.expires_at - timedelta(minutes=5), tick=False)
    assert '<span class="pill pill-valid">Valid</span>' in client.get(URL).text
    time_machine.move_to(credential.expires_at + timedelta(minutes=1), tick=False)
    text = client.get(URL).text
    assert '<span class="pill pill-expired">Expired</span>' in text
    assert '<span class="pill pill-valid">Valid</span>' not in text


def test_a_page_rendered_across_a_change_is_not_kept_as_current(public_learner):
    profile = public_learner.profile
    where = {"slug": profile.slug, "origin": "http://testserver"}
    before = page_cache.get_page(**where)
    assert before.page is None
    # A change is recorded while that request renders the page as it was.
    page_cache.forget_pages(user_ids=[profile.user_id])
    page_cache.store_page(
        **where, version=before.version, content=b"as it was", now=timezone.now(), changes_at=None
    )
    after = page_cache.get_page(**where)
    assert after.page is None
    page_cache.store_page(
        **where, version=after.version, content=b"as it is", now=timezone.now(), changes_at=None
    )
    kept = page_cache.get_page(**where).page
    assert kept is not None
    assert kept.content == b"as it is"


def test_admin_edits_of_the_catalogue_reach_the_cached_page(
    client, public_learner, skills, django_capture_on_commit_callbacks
):
    add_content(public_learner, 1, skills)
    assert "Credential 00" in client.get(URL).text
    micro_credential = public_learner.credentials_earned.get().micro_credential
    # Saved as the admin saves it, with no event; stale once that commits.
    with django_capture_on_commit_callbacks(execute=True):
        micro_credential.title = "Renamed in the admin"
        micro_credential.save()
    text = client.get(URL).text
    assert "Renamed in the admin" in text
    assert "Credential 00" not in text


def test_retiring_or_republishing_a_micro_credential_forgets_its_holders_pages(
    public_learner, monkeypatch, django_capture_on_commit_callbacks
):
    # The admin's save also replaces the catalogue's version; this pins the event's own
    # reaction, which names each holder so that their pages are made stale.
    credential = issue(public_learner, MicroCredentialFactory(title="Careful Charts"))
    staff = credential.micro_credential.issuer.staff.first()
    forgotten = []
    monkeypatch.setattr(
        page_cache, "forget_pages", lambda *, user_ids: forgotten.append(sorted(user_ids))
    )
    with django_capture_on_commit_callbacks(execute=True):
        retire_micro_credential(micro_credential_id=credential.micro_credential_id, by=staff)
    with django_capture_on_commit_callbacks(execute=True):
        publish_micro_credential(micro_credential_id=credential.micro_credential_id, by=staff)

    assert forgotten == [[public_learner.pk], [public_learner.pk]]


def test_a_deleted_credentials_and_accounts_pages_are_gone_at_once_though_cached(
    client, public_learner, django_capture_on_commit_callbacks
):
    credential = issue(public_learner, MicroCredentialFactory(title="Careful Charts"))
    credential_url = f"/c/{credential.public_id}/"
    assert "Careful Charts" in client.get(URL).text
    assert "Careful Charts" in client.get(credential_url).text
    # Credentials protect their holder's account: they go first, as the admin would do it.
    with django_capture_on_commit_callbacks(execute=True):
        credential.delete()
    assert client.get(credential_url).status_code == 404
    assert "<h1>Public Learner</h1>" in client.get(URL).text
    with django_capture_on_commit_callbacks(execute=True):
        public_learner.delete()
    assert client.get(URL).status_code == 404

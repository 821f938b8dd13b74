"""Visitors' views of /c/<id>/ come from a cache that reads nothing from the database on a hit.

What may change who sees the page, or what it says, reaches it through events and saves
(credentials.page_signals); expiry, which is time alone, is worked out on every hit.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from credentials import page_cache
from credentials.models import IssuedCredential
from credentials.services import generate_signing_key, sign_credential
from portfolio.models import User
from portfolio.services.accounts import set_user_active
from portfolio.services.profiles import update_profile
from tests.credentials.conftest import NOW, issue, revoke
from tests.factories import LearnerProfileFactory, SkillFactory, UserFactory

STATUS = '<h1 class="credential-status-word">{}</h1>'


def url(credential):
    return f"/c/{credential.public_id}/"


@pytest.fixture
def holder(db):
    user = UserFactory(email="holder@example.com", with_profile=False)
    LearnerProfileFactory(user=user, display_name="Kim Holder", slug="kim", is_public=True)
    return user


@pytest.fixture
def credential(holder, micro_credential):
    return issue(holder, micro_credential)


def cached_view(client, credential, django_assert_num_queries):
    """A visitor's view that the cache answered: no query at all."""
    with django_assert_num_queries(0):
        return client.get(url(credential)).text


def test_a_hit_reads_nothing_from_the_database(client, credential, django_assert_num_queries):
    first = client.get(url(credential)).text
    assert STATUS.format("VALID") in first
    assert STATUS.format("VALID") in cached_view(client, credential, django_assert_num_queries)


def test_a_revocation_saved_in_the_admin_reaches_the_cached_page(
    client, credential, django_assert_num_queries, django_capture_on_commit_callbacks
):
    client.get(url(credential))
    assert STATUS.format("VALID") in cached_view(client, credential, django_assert_num_queries)
    # A save with no event, as the admin makes.
    with django_capture_on_commit_callbacks(execute=True):
        credential.revoked_at = timezone.now()
        credential.revocation_reason = "Found to be plagiarised."
        credential.save()
    text = client.get(url(credential)).text
    assert STATUS.format("REVOKED") in text
    assert "VALID" not in text
    assert "Found to be plagiarised." in text


def test_a_change_behind_every_event_and_signal_lasts_no_longer_than_max_age(
    client, credential, time_machine, django_assert_num_queries
):
    client.get(url(credential))
    # QuerySet.update() sends no signal and records no event: the copy stands until it ends.
    IssuedCredential.objects.filter(pk=credential.pk).update(
        revoked_at=timezone.now(), revocation_reason="Issued in error."
    )
    assert STATUS.format("VALID") in cached_view(client, credential, django_assert_num_queries)
    time_machine.move_to(NOW + timedelta(seconds=page_cache.MAX_AGE_SECONDS + 1), tick=False)
    assert STATUS.format("REVOKED") in client.get(url(credential)).text


def test_a_revocation_through_the_service_reaches_the_cached_page(
    client, credential, django_capture_on_commit_callbacks
):
    client.get(url(credential))
    with django_capture_on_commit_callbacks(execute=True):
        revoke(credential, reason="Issued in error.")
    text = client.get(url(credential)).text
    assert STATUS.format("REVOKED") in text
    assert "Issued in error." in text


def test_a_credential_expiring_is_never_shown_valid_from_the_cache(
    client, credential, time_machine, django_assert_num_queries
):
    client.get(url(credential))
    valid = cached_view(client, credential, django_assert_num_queries)
    assert STATUS.format("VALID") in valid
    # Expiry is a matter of time alone: no event, no change to any row.
    time_machine.move_to(credential.expires_at, tick=False)
    text = client.get(url(credential)).text
    assert STATUS.format("EXPIRED") in text
    assert "VALID" not in text


def test_the_check_time_is_the_requests_though_the_page_is_cached(
    client, credential, time_machine, django_assert_num_queries
):
    client.get(url(credential))
    time_machine.move_to(NOW.replace(minute=10), tick=False)
    text = cached_view(client, credential, django_assert_num_queries)
    assert (
        '<p class="credential-checked small">Checked just now: '
        '<time datetime="2026-03-01T12:10:00+00:00">1 March 2026, 12:10 UTC</time>.</p>'
    ) in text
    assert "credential-checked -->" not in text
    # Never a 304 for a page that says when it was checked.
    assert "ETag" not in client.get(url(credential))


def test_the_check_time_is_to_the_minute_and_moves_with_it(
    client, credential, time_machine, django_assert_num_queries
):
    client.get(url(credential))
    time_machine.move_to(NOW.replace(minute=10, second=45, microsecond=5), tick=False)
    first = cached_view(client, credential, django_assert_num_queries)
    time_machine.move_to(NOW.replace(minute=11, second=1), tick=False)
    second = cached_view(client, credential, django_assert_num_queries)

    assert '<time datetime="2026-03-01T12:10:00+00:00">1 March 2026, 12:10 UTC</time>' in first
    assert '<time datetime="2026-03-01T12:11:00+00:00">1 March 2026, 12:11 UTC</time>' in second
    assert "12:10 UTC" not in second


def test_a_deactivated_holders_credential_is_gone_at_once_though_cached(
    client, credential, django_capture_on_commit_callbacks
):
    client.get(url(credential))
    staff = UserFactory(is_staff=True, is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        set_user_active(by=staff, user_id=credential.learner_id, is_active=False)
    assert client.get(url(credential)).status_code == 404
    # Reactivated, the page is back.
    with django_capture_on_commit_callbacks(execute=True):
        set_user_active(by=staff, user_id=credential.learner_id, is_active=True)
    assert STATUS.format("VALID") in client.get(url(credential)).text


def test_an_account_deactivated_in_the_admin_takes_the_cached_page_down(
    client, credential, django_capture_on_commit_callbacks
):
    assert client.get(url(credential)).status_code == 200
    holder = User.objects.get(pk=credential.learner_id)
    with django_capture_on_commit_callbacks(execute=True):
        holder.is_active = False
        holder.save()
    assert client.get(url(credential)).status_code == 404


def test_signing_reaches_the_cached_page(
    client, holder, micro_credential, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        generate_signing_key(issuer_id=micro_credential.issuer_id, by=None)
    # Issued, and signed later by a worker (its event after commit, which never runs here).
    credential = issue(holder, micro_credential)
    unsigned = client.get(url(credential)).text
    assert STATUS.format("VALID") in unsigned
    assert "download the signed credential (JSON)" not in unsigned
    with django_capture_on_commit_callbacks(execute=True):
        sign_credential(credential_id=credential.pk)
    assert "download the signed credential (JSON)" in client.get(url(credential)).text


def test_a_change_to_the_holders_profile_reaches_the_cached_page(
    client, credential, holder, django_capture_on_commit_callbacks
):
    assert 'Awarded to <a href="/p/kim/">Kim Holder</a>' in client.get(url(credential)).text
    with django_capture_on_commit_callbacks(execute=True):
        update_profile(
            profile_id=holder.profile.pk,
            by=holder,
            display_name="Kim Renamed",
            slug="kim-renamed",
            is_public=True,
        )
    text = client.get(url(credential)).text
    assert 'Awarded to <a href="/p/kim-renamed/">Kim Renamed</a>' in text
    assert "Kim Holder" not in text


def test_admin_edits_of_the_issuer_and_micro_credential_reach_the_cached_page(
    client, credential, micro_credential, django_capture_on_commit_callbacks
):
    assert "Northfield Institute" in client.get(url(credential)).text
    with django_capture_on_commit_callbacks(execute=True):
        micro_credential.issuer.name = "Southfield College"
        micro_credential.issuer.save()
    text = client.get(url(credential)).text
    assert "Southfield College" in text
    assert "Northfield Institute" not in text

    with django_capture_on_commit_callbacks(execute=True):
        micro_credential.title = "Data Narratives"
        micro_credential.save()
    assert "Data Narratives" in client.get(url(credential)).text

    with django_capture_on_commit_callbacks(execute=True):
        skill = SkillFactory(name="Storytelling with charts")
    assert "Storytelling with charts" not in client.get(url(credential)).text
    with django_capture_on_commit_callbacks(execute=True):
        micro_credential.skills.add(skill)
    assert '<li class="chip">Storytelling with charts</li>' in client.get(url(credential)).text
    with django_capture_on_commit_callbacks(execute=True):
        skill.name = "Charts that tell"
        skill.save()
    text = client.get(url(credential)).text
    assert '<li class="chip">Charts that tell</li>' in text
    assert "Storytelling with charts" not in text


def test_signed_in_viewers_never_get_the_visitors_copy(client, credential, holder):
    visitor = client.get(url(credential)).text
    assert "This is your credential" not in visitor
    client.force_login(holder)
    assert "This is your credential" in client.get(url(credential)).text

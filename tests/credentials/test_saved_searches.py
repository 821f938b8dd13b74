"""Saved directory searches: saving, deleting, the daily digest of new matches, unsubscribing."""

import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.conf import settings
from django.core import mail, signing
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from credentials import services
from credentials.directory.documents import rebuild_directory
from credentials.exceptions import SavedSearchNotAllowed
from credentials.models import SavedSearch, SavedSearchMatch
from credentials.permissions import (
    can_save_searches,
    get_saved_search_for,
    visible_saved_searches,
)
from credentials.saved_searches import (
    UNSUBSCRIBE_SALT,
    make_unsubscribe_token,
    unsubscribe_path,
)
from credentials.tasks import send_saved_search_digests
from portfolio.models import Event, LearnerProfile, Notification
from tests.credentials.conftest import NOW
from tests.factories import (
    EvidenceItemFactory,
    LearnerProfileFactory,
    SkillFactory,
    UserFactory,
)

QUERY = "skill=python-scripting"


def person(name, *, skill=None, public=True, **kwargs):
    user = UserFactory(with_profile=False)
    LearnerProfileFactory(user=user, display_name=name, is_public=public, **kwargs)
    if skill is not None:
        EvidenceItemFactory(owner=user, is_public=True).skills.set([skill])
    return user


@pytest.fixture
def python(db):
    return SkillFactory(name="Python scripting", slug="python-scripting")


@pytest.fixture
def charts(db):
    return SkillFactory(name="Data visualisation", slug="data-visualisation")


@pytest.fixture
def ada(python):
    user = person("Ada Byron", skill=python, headline="Analyst")
    rebuild_directory()
    return user


def save(employer, query=QUERY, name="Python people"):
    return services.save_search(by=employer, name=name, query=query)


def digest(django_capture_on_commit_callbacks, *, now=None):
    with django_capture_on_commit_callbacks(execute=True):
        return services.send_saved_search_digests(now=now)


def listed_names(message):
    return re.findall(r"^- ([^:\n]+)", message.body, re.M)


# --- Saving -------------------------------------------------------------------------------------


def test_the_saved_query_string_is_normalised(employer, ada, charts):
    saved = save(
        employer, query="q=++data++science&skill=python-scripting&skill=data-visualisation"
    )
    assert saved.query == "q=data+science&skill=data-visualisation&skill=python-scripting"
    assert saved.owner == employer
    assert saved.name == "Python people"
    assert saved.unsubscribed_at is None
    assert saved.last_digest_at is None


def test_saving_records_the_profiles_that_match_now(employer, ada):
    saved = save(employer)
    assert list(saved.matches.values_list("profile__user", flat=True)) == [ada.pk]


def test_the_same_search_twice_is_refused_by_name(employer, ada, python):
    save(employer, query="skill=python-scripting&sort=relevance", name="First")
    with pytest.raises(SavedSearchNotAllowed, match="You saved this search already, as “First”"):
        save(employer, query="skill=python-scripting", name="Second")
    assert SavedSearch.objects.count() == 1


def test_an_employer_keeps_at_most_twenty(employer, ada):
    for number in range(services.SAVED_SEARCHES_PER_EMPLOYER):
        save(employer, query=f"q=word{number}", name=f"Search {number}")
    with pytest.raises(SavedSearchNotAllowed) as refused:
        save(employer, query="q=one+more")
    assert refused.value.code == "saved_search.too_many"
    assert refused.value.status == HTTPStatus.CONFLICT
    assert "You keep 20 saved searches, the most allowed" in refused.value.message
    # Another employer is not counted with them.
    assert save(UserFactory(employer=True), query="q=one+more").pk


@pytest.mark.parametrize(
    ("query", "name", "code", "field"),
    [
        ("skill=no-such-skill", "A name", "saved_search.invalid_query", "query"),
        ("level=wizard", "A name", "saved_search.invalid_query", "query"),
        ("after=broken", "A name", "saved_search.invalid_query", "query"),
        ("q=" + "x" * 2100, "A name", "saved_search.invalid_query", "query"),
        (QUERY, "   ", "saved_search.name_missing", "name"),
        (QUERY, "n" * 81, "saved_search.name_too_long", "name"),
    ],
)
def test_bad_input_is_refused_with_a_reason(employer, python, query, name, code, field):
    with pytest.raises(SavedSearchNotAllowed) as refused:
        save(employer, query=query, name=name)
    assert (refused.value.code, refused.value.field) == (code, field)
    assert refused.value.status == HTTPStatus.BAD_REQUEST
    assert not SavedSearch.objects.exists()


@pytest.mark.parametrize("role", ["learner", "assessor", "issuer_staff"])
def test_only_employers_save_searches(request, role, python):
    user = request.getfixturevalue(role)
    with pytest.raises(SavedSearchNotAllowed) as refused:
        save(user)
    assert (refused.value.code, refused.value.status) == (
        "saved_search.not_employer",
        HTTPStatus.FORBIDDEN,
    )


def test_a_deactivated_employer_saves_nothing(employer, python):
    employer.is_active = False
    employer.save()
    with pytest.raises(SavedSearchNotAllowed):
        save(employer)


# --- Permissions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "may"),
    [
        ("employer", True),
        ("other_employer", False),
        ("learner", False),
        ("assessor", False),
        ("issuer_staff", False),
        ("anonymous", False),
    ],
)
def test_only_the_owner_sees_a_saved_search(request, employer, python, role, may):
    from django.contrib.auth.models import AnonymousUser

    saved = save(employer)
    if role == "anonymous":
        user = AnonymousUser()
    elif role == "other_employer":
        user = UserFactory(employer=True)
    else:
        user = request.getfixturevalue(role)
    assert can_save_searches(user) == (role in {"employer", "other_employer"})
    assert (saved in visible_saved_searches(user)) == may
    if may:
        assert get_saved_search_for(user, saved.pk) == saved
    else:
        with pytest.raises(Http404):
            get_saved_search_for(user, saved.pk)


# --- Deleting and unsubscribing -----------------------------------------------------------------


def test_the_owner_deletes_a_saved_search(employer, ada):
    saved = save(employer)
    services.delete_saved_search(saved_search_id=saved.pk, by=employer)
    assert not SavedSearch.objects.exists()
    assert not SavedSearchMatch.objects.exists()
    with pytest.raises(SavedSearchNotAllowed) as refused:
        services.delete_saved_search(saved_search_id=saved.pk, by=employer)
    assert refused.value.status == HTTPStatus.NOT_FOUND


def test_another_employer_can_neither_delete_nor_unsubscribe(employer, ada):
    saved = save(employer)
    other = UserFactory(employer=True)
    for service in (services.delete_saved_search, services.unsubscribe_saved_search):
        with pytest.raises(SavedSearchNotAllowed) as refused:
            service(saved_search_id=saved.pk, by=other)
        assert refused.value.status == HTTPStatus.NOT_FOUND
    saved.refresh_from_db()
    assert saved.unsubscribed_at is None


def test_unsubscribing_twice_records_one_event(employer, ada):
    saved = save(employer)
    first = services.unsubscribe_saved_search(saved_search_id=saved.pk, by=employer)
    again = services.unsubscribe_saved_search(saved_search_id=saved.pk, by=employer)
    assert first.unsubscribed_at == NOW
    assert again.unsubscribed_at == NOW
    assert Event.objects.filter(verb="saved_search.unsubscribed").count() == 1


# --- The digest ---------------------------------------------------------------------------------


def test_the_digest_lists_only_profiles_new_since_the_search_was_saved(
    employer, ada, python, django_capture_on_commit_callbacks
):
    saved = save(employer)
    assert digest(django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []
    person("Grace Hopper", skill=python)
    rebuild_directory()
    assert digest(django_capture_on_commit_callbacks) == 1
    [message] = mail.outbox
    assert message.to == [employer.email]
    assert message.subject == "1 new match for “Python people”"
    assert listed_names(message) == ["Grace Hopper"]
    assert "Ada Byron" not in message.body
    assert f"{settings.SITE_URL}/directory/?{QUERY}" in message.body
    saved.refresh_from_db()
    assert saved.last_digest_at == NOW
    [event] = Event.objects.filter(verb="saved_search.digest_sent")
    assert (event.actor, event.owner, event.payload) == (None, employer, {"new_matches": 1})


def test_the_digest_carries_a_signed_unsubscribe_link_and_headers(
    employer, ada, python, django_capture_on_commit_callbacks
):
    saved = save(employer)
    person("Grace Hopper", skill=python)
    rebuild_directory()
    digest(django_capture_on_commit_callbacks)
    [message] = mail.outbox
    link = f"{settings.SITE_URL}{unsubscribe_path(saved)}"
    assert link in message.body
    assert link in message.alternatives[0][0]
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.message()["List-Unsubscribe"] == f"<{link}>"


def test_a_profile_that_newly_gains_the_skill_is_news(
    employer, ada, python, charts, django_capture_on_commit_callbacks
):
    grace = person("Grace Hopper", skill=charts)
    rebuild_directory()
    save(employer)
    EvidenceItemFactory(owner=grace, is_public=True).skills.set([python])
    rebuild_directory()
    digest(django_capture_on_commit_callbacks, now=NOW + timedelta(days=1))
    [message] = mail.outbox
    assert listed_names(message) == ["Grace Hopper"]


def test_the_same_profile_is_not_sent_again_while_it_keeps_matching(
    employer, python, django_capture_on_commit_callbacks
):
    save(employer)
    person("Grace Hopper", skill=python)
    rebuild_directory()
    assert digest(django_capture_on_commit_callbacks, now=NOW + timedelta(days=1)) == 1
    assert digest(django_capture_on_commit_callbacks, now=NOW + timedelta(days=2)) == 0
    assert len(mail.outbox) == 1


def test_a_profile_that_leaves_and_comes_back_is_news_again(
    employer, python, django_capture_on_commit_callbacks
):
    save(employer)
    grace = person("Grace Hopper", skill=python)
    rebuild_directory()
    digest(django_capture_on_commit_callbacks, now=NOW + timedelta(days=1))
    LearnerProfile.objects.filter(user=grace).update(is_public=False)
    assert digest(django_capture_on_commit_callbacks, now=NOW + timedelta(days=2)) == 0
    LearnerProfile.objects.filter(user=grace).update(is_public=True)
    assert digest(django_capture_on_commit_callbacks, now=NOW + timedelta(days=3)) == 1
    assert [listed_names(message) for message in mail.outbox] == [
        ["Grace Hopper"],
        ["Grace Hopper"],
    ]


def test_private_opted_out_and_deactivated_profiles_are_never_listed(
    employer, ada, python, django_capture_on_commit_callbacks
):
    save(employer)
    person("Private Person", skill=python, public=False)
    person("Opted Out", skill=python, in_directory=False)
    gone = person("Gone Away", skill=python)
    gone.is_active = False
    gone.save()
    person("Grace Hopper", skill=python)
    rebuild_directory()
    digest(django_capture_on_commit_callbacks, now=NOW + timedelta(days=1))
    [message] = mail.outbox
    assert listed_names(message) == ["Grace Hopper"]
    for name in ("Private Person", "Opted Out", "Gone Away"):
        assert name not in message.body
        assert name not in message.alternatives[0][0]


def test_a_long_digest_lists_ten_and_counts_the_rest(
    employer, python, django_capture_on_commit_callbacks
):
    save(employer)
    for number in range(services.DIGEST_LISTED + 3):
        person(f"Learner {number:02d}", skill=python)
    rebuild_directory()
    digest(django_capture_on_commit_callbacks, now=NOW + timedelta(days=1))
    [message] = mail.outbox
    assert message.subject == "13 new matches for “Python people”"
    assert len(listed_names(message)) == services.DIGEST_LISTED
    assert "…and 3 more. See them all in the directory:" in message.body
    assert "See all 13 in the directory" in message.alternatives[0][0]


def test_running_twice_a_day_sends_one_digest_and_keeps_later_news_for_tomorrow(
    employer, python, django_capture_on_commit_callbacks
):
    saved = save(employer)
    person("Grace Hopper", skill=python)
    rebuild_directory()
    assert digest(django_capture_on_commit_callbacks) == 1
    assert digest(django_capture_on_commit_callbacks) == 0
    person("Alan Turing", skill=python)
    rebuild_directory()
    assert digest(django_capture_on_commit_callbacks, now=NOW + timedelta(hours=6)) == 0
    assert len(mail.outbox) == 1
    assert digest(django_capture_on_commit_callbacks, now=NOW + timedelta(days=1)) == 1
    assert listed_names(mail.outbox[1]) == ["Alan Turing"]
    assert Notification.objects.filter(dedupe_key__startswith="saved-search-digest:").count() == 2
    assert Event.objects.filter(verb="saved_search.digest_sent", target_id=saved.pk).count() == 2


def test_a_digest_already_in_the_outbox_keeps_the_news(
    employer, python, django_capture_on_commit_callbacks
):
    # As if an earlier run had queued today's digest but its bookkeeping was lost.
    saved = save(employer)
    Notification.objects.create(
        recipient=employer,
        kind="saved_search_digest",
        subject="Earlier",
        dedupe_key=f"saved-search-digest:{saved.pk}:{NOW.date().isoformat()}:{employer.pk}",
        email_state=Notification.EmailState.SENT,
    )
    person("Grace Hopper", skill=python)
    rebuild_directory()
    assert digest(django_capture_on_commit_callbacks) == 0
    assert saved.matches.count() == 0
    assert digest(django_capture_on_commit_callbacks, now=NOW + timedelta(days=1)) == 1
    assert listed_names(mail.outbox[0]) == ["Grace Hopper"]


def test_unsubscribed_searches_and_deactivated_owners_get_nothing(
    employer, python, django_capture_on_commit_callbacks
):
    saved = save(employer)
    other = UserFactory(employer=True)
    save(other)
    services.unsubscribe_saved_search(saved_search_id=saved.pk, by=employer)
    other.is_active = False
    other.save()
    person("Grace Hopper", skill=python)
    rebuild_directory()
    assert digest(django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def test_a_search_whose_skill_is_gone_waits_rather_than_widening(
    employer, ada, python, charts, django_capture_on_commit_callbacks
):
    save(employer, query="skill=data-visualisation")
    charts.delete()
    person("Grace Hopper", skill=python)
    rebuild_directory()
    assert digest(django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def test_the_task_runs_the_digests(employer, python, django_capture_on_commit_callbacks):
    save(employer)
    person("Grace Hopper", skill=python)
    rebuild_directory()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_saved_search_digests.delay().get() == 1
    assert len(mail.outbox) == 1


def test_the_beat_schedule_runs_the_digest_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["send-saved-search-digests"]
    assert entry == {
        "task": "credentials.tasks.send_saved_search_digests",
        "schedule": 86400.0,
    }
    assert send_saved_search_digests.name == entry["task"]


# --- Pages --------------------------------------------------------------------------------------

DIRECTORY = reverse("credentials:directory")
NEW = reverse("credentials:saved-search-new")


def test_the_directory_offers_employers_to_save_the_search(client, employer, ada, settings):
    settings.DIRECTORY_IS_PUBLIC = True
    client.force_login(employer)
    page = client.get(DIRECTORY, {"skill": "python-scripting", "after": ""}).text
    assert "Save this search" in page
    assert f'action="{NEW}"' in page
    assert 'name="query" value="skill=python-scripting"' in page
    assert 'value="Python scripting"' in page


@pytest.mark.parametrize("role", ["learner", "assessor", "issuer_staff", "anonymous"])
def test_others_are_not_offered_to_save(request, client, role, ada, settings):
    settings.DIRECTORY_IS_PUBLIC = True
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    page = client.get(DIRECTORY, {"skill": "python-scripting"}).text
    assert "Ada Byron" in page
    assert "Save this search" not in page
    assert client.get(NEW).status_code == 404
    assert client.post(NEW, {"name": "x", "query": QUERY}).status_code == 404
    assert not SavedSearch.objects.exists()


def test_saving_from_the_directory_page(client, employer, ada):
    client.force_login(employer)
    response = client.post(NEW, {"name": "Python people", "query": QUERY}, follow=True)
    assert response.redirect_chain == [(f"{DIRECTORY}?{QUERY}", 302)]
    assert "Search saved as “Python people”" in response.text
    [saved] = SavedSearch.objects.all()
    assert (saved.owner, saved.query) == (employer, QUERY)


def test_saving_a_bad_search_shows_the_form_error(client, employer, ada):
    client.force_login(employer)
    response = client.post(NEW, {"name": "Broken", "query": "skill=nope&issuer=%FF"})
    assert response.status_code == 200
    assert "This search cannot be saved: correct it in the directory first." in response.text
    response = client.post(NEW, {"name": "", "query": QUERY})
    assert "This field is required." in response.text
    save(employer)
    response = client.post(NEW, {"name": "Again", "query": QUERY})
    assert "You saved this search already, as “Python people”." in response.text
    assert SavedSearch.objects.count() == 1


def test_the_save_page_offers_the_search_it_was_opened_with(client, employer, ada):
    client.force_login(employer)
    page = client.get(NEW, {"skill": "python-scripting"}).text
    assert 'name="query" value="skill=python-scripting"' in page
    assert f'href="{DIRECTORY}?skill=python-scripting"' in page


def test_the_dashboard_lists_saved_searches_in_constant_queries(client, employer, python):
    client.force_login(employer)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            page = client.get("/dashboard/").text
        return len(captured.captured_queries), page

    save(employer, query="q=first", name="First search")
    few, page = queries()
    assert "First search" in page
    assert 'href="/directory/?q=first"' in page
    for number in range(6):
        save(employer, query=f"q=more{number}", name=f"More {number}")
    services.unsubscribe_saved_search(
        saved_search_id=SavedSearch.objects.get(name="More 0").pk, by=employer
    )
    many, page = queries()
    assert many == few
    assert page.count("Delete the saved search") == 7
    assert "e-mails stopped" in page


def test_the_dashboard_delete_button_deletes_only_ones_own(client, employer, python):
    saved = save(employer)
    url = reverse("credentials:saved-search-delete", args=[saved.pk])
    client.force_login(UserFactory(employer=True))
    assert client.post(url).status_code == 404
    client.force_login(employer)
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert response.redirect_chain == [("/dashboard/", 302)]
    assert "Deleted the saved search “Python people”." in response.text
    assert not SavedSearch.objects.exists()
    assert client.post(url).status_code == 404


# --- The unsubscribe link -----------------------------------------------------------------------


def test_the_link_asks_before_it_unsubscribes(client, employer, python):
    saved = save(employer)
    url = unsubscribe_path(saved)
    page = client.get(url)
    assert page.status_code == 200
    assert "Stop e-mails for “Python people”?" in page.text
    saved.refresh_from_db()
    assert saved.unsubscribed_at is None
    done = client.post(url)
    assert "You will get no more e-mails for “Python people”." in done.text
    saved.refresh_from_db()
    assert saved.unsubscribed_at == NOW
    assert "You had already stopped the e-mails" in client.get(url).text
    assert "You had already stopped the e-mails" not in client.post(url).text


def test_one_click_unsubscribe_works_without_a_session_or_csrf_token(employer, python):
    from django.test import Client

    saved = save(employer)
    client = Client(enforce_csrf_checks=True)
    response = client.post(unsubscribe_path(saved), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    saved.refresh_from_db()
    assert saved.unsubscribed_at is not None


def test_a_tampered_link_is_refused_clearly(client, employer, python):
    saved = save(employer)
    token = make_unsubscribe_token(saved)
    for bad in [token[:-2] + "xx", "nonsense", signing.dumps({"s": saved.pk, "o": employer.pk})]:
        url = reverse("credentials:saved-search-unsubscribe", args=[bad])
        for response in (client.get(url), client.post(url)):
            assert response.status_code == 400
            assert "This link does not work" in response.text
    saved.refresh_from_db()
    assert saved.unsubscribed_at is None


def test_a_link_naming_another_owner_finds_nothing(client, employer, python):
    saved = save(employer)
    forged = signing.dumps({"s": saved.pk, "o": employer.pk + 1}, salt=UNSUBSCRIBE_SALT)
    response = client.post(reverse("credentials:saved-search-unsubscribe", args=[forged]))
    assert response.status_code == 404
    assert "This saved search no longer exists" in response.text
    saved.refresh_from_db()
    assert saved.unsubscribed_at is None


def test_an_expired_link_says_so(client, employer, python, time_machine):
    saved = save(employer)
    url = unsubscribe_path(saved)
    time_machine.move_to(NOW + timedelta(days=181), tick=False)
    response = client.post(url)
    assert response.status_code == 400
    assert "This link has expired" in response.text
    saved.refresh_from_db()
    assert saved.unsubscribed_at is None


def test_a_deleted_search_link_is_gone(client, employer, python):
    saved = save(employer)
    url = unsubscribe_path(saved)
    services.delete_saved_search(saved_search_id=saved.pk, by=employer)
    response = client.get(url)
    assert response.status_code == 404
    assert "This saved search no longer exists" in response.text


def test_the_owners_activity_log_names_the_saved_search(client, employer, python):
    saved = save(employer)
    client.force_login(employer)
    page = client.get(reverse("portfolio:activity")).text
    assert "saved a directory search" in page
    assert f'href="/directory/?{QUERY}"' in page
    assert saved.name in page


def test_words_match_exactly_and_near_spellings_are_not_news(
    employer, python, django_capture_on_commit_callbacks
):
    save(employer, query="q=analyst", name="Analysts")
    save(employer, query="q=analsyt", name="Typo")
    person("Grace Hopper", headline="Data analyst")
    rebuild_directory()
    assert digest(django_capture_on_commit_callbacks) == 1
    [message] = mail.outbox
    assert message.subject == "1 new match for “Analysts”"
    assert listed_names(message) == ["Grace Hopper"]


def test_a_search_too_long_for_the_outbox_link_links_the_dashboard(
    employer, python, django_capture_on_commit_callbacks
):
    # Each "é" is six characters in the address.
    location = "é" * 120
    saved = save(employer, query=f"q=analyst&location={location}&skill=python-scripting")
    assert len(saved.query) > 500
    person("Grace Hopper", skill=python, headline="Analyst", location=location)
    rebuild_directory()
    assert digest(django_capture_on_commit_callbacks) == 1
    [notification] = Notification.objects.filter(recipient=employer)
    assert notification.link == "/dashboard/"
    assert listed_names(mail.outbox[0]) == ["Grace Hopper"]


def test_one_failing_search_keeps_nobody_elses_digest(
    employer, python, django_capture_on_commit_callbacks, monkeypatch
):
    from django.db import DatabaseError

    from credentials import saved_searches

    first = save(employer, query="q=analyst", name="Analysts")
    save(employer, name="Python people")
    person("Grace Hopper", skill=python, headline="Analyst")
    rebuild_directory()
    real = saved_searches.matching_profile_ids

    def failing_for_the_first(filters, *, now):
        if filters.query == "analyst":
            raise DatabaseError("statement timeout")
        return real(filters, now=now)

    monkeypatch.setattr(saved_searches, "matching_profile_ids", failing_for_the_first)
    assert digest(django_capture_on_commit_callbacks) == 1
    [message] = mail.outbox
    assert message.subject == "1 new match for “Python people”"
    first.refresh_from_db()
    assert first.last_digest_at is None

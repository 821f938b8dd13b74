"""The PDF transcript: at /p/<slug>/transcript.pdf when the learner allows it, and from the
dashboard for the learner themself (/me/transcript.pdf)."""

import pytest
from django.core.cache import cache
from kombu.exceptions import OperationalError

from credentials import notification_kinds, tasks, transcripts
from credentials.models import MicroCredential
from credentials.services import set_credential_visibility
from portfolio.models import LearnerProfile, Notification
from tests.credentials.conftest import NOW, issue, revoke
from tests.credentials.pdf_reading import (
    font_names,
    page_sizes,
    pdf_pages_text,
    pdf_text,
    scanned_qr_codes,
)
from tests.factories import MicroCredentialFactory, SkillFactory, UserFactory

URL = "/p/public-learner/transcript.pdf"
OWN_URL = "/me/transcript.pdf"
SITE = "http://testserver"


@pytest.fixture(autouse=True)
def _empty_cache(settings):
    settings.SITE_URL = SITE
    cache.clear()


@pytest.fixture
def public_learner(public_learner):
    LearnerProfile.objects.filter(user=public_learner).update(transcript_is_public=True)
    return public_learner


@pytest.fixture
def renders(monkeypatch):
    """Counts the PDFs actually laid out (not served from the cache)."""
    calls = []
    real = transcripts.render_pdf

    def counting(html):
        calls.append(html)
        return real(html)

    monkeypatch.setattr(transcripts, "render_pdf", counting)
    return calls


def earn(learner, title, **kwargs):
    return issue(learner, MicroCredentialFactory(title=title, validity_months=12), **kwargs)


def url_of(credential):
    return f"{SITE}/c/{credential.public_id}/"


def get_pdf(client, url=URL, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"] == "application/pdf"
    return response.content


def test_every_valid_public_credential_is_listed_with_a_qr_code_to_its_page(
    client, public_learner, other_learner
):
    newest = earn(public_learner, "Valid Newest")
    older = earn(public_learner, "Valid Older", issued_at=NOW.replace(month=1))
    earn(public_learner, "Expired One", issued_at=NOW.replace(year=2024))
    revoke(earn(public_learner, "Revoked One"))
    hidden = earn(public_learner, "Hidden One")
    set_credential_visibility(credential_id=hidden.pk, by=public_learner, is_shown_publicly=False)
    retired_draft = earn(public_learner, "Back To Draft")
    MicroCredential.objects.filter(pk=retired_draft.micro_credential_id).update(status="draft")
    earn(other_learner, "Someone Else's")

    pdf = get_pdf(client)
    text = pdf_text(pdf)

    assert "Public Learner" in text
    assert "Valid Newest" in text
    assert "Valid Older" in text
    for absent in ["Expired One", "Revoked One", "Hidden One", "Back To Draft", "Someone Else"]:
        assert absent not in text
    assert "2 valid credentials" in text
    assert f"Check it: testserver/c/{newest.public_id}/" in text
    assert sorted(scanned_qr_codes(pdf)) == sorted([url_of(newest), url_of(older)])


def test_each_credential_shows_what_it_certifies(client, public_learner):
    micro_credential = MicroCredentialFactory(
        title="Spreadsheet Modelling", level="advanced", estimated_hours=40, validity_months=24
    )
    micro_credential.skills.add(SkillFactory(name="Forecasting"), SkillFactory(name="SQL"))
    issue(public_learner, micro_credential)
    other = MicroCredentialFactory(title="Dashboards", validity_months=None)
    other.skills.add(micro_credential.skills.get(name="SQL"))
    issue(public_learner, other)

    text = pdf_text(get_pdf(client))

    assert "Generated on 1 March 2026" in text
    assert f"Issuer {micro_credential.issuer.name}" in text
    assert "Issued 1 March 2026" in text
    assert "Expires 1 March 2028" in text
    assert "Expires Does not expire" in text
    assert "Level Advanced" in text
    assert "Hours 40" in text
    assert "Skills Forecasting, SQL" in text
    assert "Outcome Clarity: Exceeds; Use of evidence: Meets" in text
    # The skills section counts the credentials behind each skill, most first.
    assert "Skills SQL (2) Forecasting (1)" in text
    assert "Public profile: http://testserver/p/public-learner/" in text


def test_pages_are_numbered_page_x_of_y(client, public_learner):
    for n in range(14):
        earn(public_learner, f"Credential {n:02d}")

    pages = pdf_pages_text(get_pdf(client))

    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page


@pytest.mark.parametrize(
    ("language", "size"),
    [
        ("en-US,en;q=0.8", (612, 792)),
        ("fr-CA", (612, 792)),
        ("en-GB,en;q=0.8", (595, 842)),
        ("de-DE", (595, 842)),
        ("en", (595, 842)),
        ("", (595, 842)),
    ],
)
def test_the_paper_follows_the_readers_language(client, public_learner, language, size):
    earn(public_learner, "Valid One")

    assert page_sizes(get_pdf(client, **{"Accept-Language": language})) == {size}


def test_the_reader_can_choose_the_paper(client, public_learner):
    earn(public_learner, "Valid One")

    assert page_sizes(get_pdf(client, f"{URL}?size=letter")) == {(612, 792)}
    assert page_sizes(get_pdf(client, f"{URL}?size=a4", **{"Accept-Language": "en-US"})) == {
        (595, 842)
    }
    # Anything else is ignored, never an error.
    assert page_sizes(get_pdf(client, f"{URL}?size=%00%ff")) == {(595, 842)}


def test_the_bundled_font_is_embedded(client, public_learner):
    earn(public_learner, "Valid One")

    # Named after the @font-face family, which only the bundled files (static/fonts/) carry.
    names = {name.split("+")[-1] for name in font_names(get_pdf(client))}

    assert names == {"Unbundled-Sans", "Unbundled-Sans-Bold"}


def test_identical_content_reuses_the_rendered_bytes(client, public_learner, renders):
    earn(public_learner, "Valid One")

    first = get_pdf(client)
    again = get_pdf(client)

    assert first == again
    assert len(renders) == 1


def test_a_revocation_drops_the_cached_transcript(
    client, public_learner, renders, django_capture_on_commit_callbacks
):
    kept = earn(public_learner, "Kept")
    revoked = earn(public_learner, "To Be Revoked")
    before = get_pdf(client)
    assert "To Be Revoked" in pdf_text(before)
    cached_keys = cache.get(f"pdf:learner:{public_learner.pk}")
    assert cached_keys
    assert cache.get(cached_keys[0]) == before

    with django_capture_on_commit_callbacks(execute=True):
        revoke(revoked)

    assert cache.get(cached_keys[0]) is None
    after = pdf_text(get_pdf(client))
    assert "To Be Revoked" not in after
    assert "Kept" in after
    assert len(renders) == 2
    assert scanned_qr_codes(get_pdf(client)) == [url_of(kept)]


def test_hiding_a_credential_drops_the_cached_transcript(
    client, public_learner, django_capture_on_commit_callbacks
):
    credential = earn(public_learner, "Soon Hidden")
    get_pdf(client)
    cached_keys = cache.get(f"pdf:learner:{public_learner.pk}")
    assert cached_keys

    with django_capture_on_commit_callbacks(execute=True):
        set_credential_visibility(
            credential_id=credential.pk, by=public_learner, is_shown_publicly=False
        )

    assert cache.get(cached_keys[0]) is None
    assert "Soon Hidden" not in pdf_text(get_pdf(client))
    assert "No valid credentials to list." in pdf_text(get_pdf(client))


def test_an_unchanged_transcript_answers_a_conditional_get_with_304(client, public_learner):
    earn(public_learner, "Valid One")
    etag = client.get(URL)["ETag"]

    response = client.get(URL, headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response["ETag"] == etag
    assert client.get(URL, headers={"If-None-Match": '"other"'}).status_code == 200


# --- Who may download it ----------------------------------------------------------------


def _deactivate(user):
    user.is_active = False
    user.save(update_fields=["is_active"])


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("allowed", 200),
        ("transcript not allowed", 404),
        ("private profile", 404),
        ("deactivated learner", 404),
        ("unknown address", 404),
    ],
)
def test_who_gets_the_public_transcript(client, public_learner, case, status):
    earn(public_learner, "Valid One")
    url = URL
    profile = LearnerProfile.objects.get(user=public_learner)
    if case == "transcript not allowed":
        LearnerProfile.objects.filter(pk=profile.pk).update(transcript_is_public=False)
    elif case == "private profile":
        LearnerProfile.objects.filter(pk=profile.pk).update(is_public=False)
    elif case == "deactivated learner":
        _deactivate(public_learner)
    elif case == "unknown address":
        url = "/p/nobody-here/transcript.pdf"

    response = client.get(url)

    assert response.status_code == status
    if status == 200:
        assert "Valid One" in pdf_text(response.content)
    else:
        assert response["Content-Type"].startswith("text/html")


def test_the_owner_does_not_get_a_public_transcript_they_did_not_allow(client, public_learner):
    LearnerProfile.objects.filter(user=public_learner).update(transcript_is_public=False)
    client.force_login(public_learner)

    assert client.get(URL).status_code == 404
    assert client.get(OWN_URL).status_code == 200


def test_only_get_and_head(client, public_learner):
    assert client.post(URL).status_code == 405
    assert client.head(URL).status_code == 200


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 302), ("employer", 404), ("assessor", 404)]
)
def test_the_own_transcript_is_for_learners(client, db, who, status):
    if who != "anonymous":
        client.force_login(UserFactory(role=who))

    response = client.get(OWN_URL)

    assert response.status_code == status
    if who == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


def test_a_learner_without_a_profile_gets_404_not_an_error(client, db):
    learner = UserFactory(with_profile=False)
    client.force_login(learner)

    assert client.get(OWN_URL).status_code == 404


def test_a_learner_with_a_private_profile_downloads_what_their_page_would_show(client, learner):
    shown = earn(learner, "Shown Credential")
    hidden = earn(learner, "Hidden Credential")
    set_credential_visibility(credential_id=hidden.pk, by=learner, is_shown_publicly=False)
    revoke(earn(learner, "Revoked Credential"))
    client.force_login(learner)

    pdf = get_pdf(client, OWN_URL)
    text = pdf_text(pdf)

    assert "Shown Credential" in text
    assert "Hidden Credential" not in text
    assert "Revoked Credential" not in text
    # A private profile has no address to print.
    assert "Public profile" not in text
    assert scanned_qr_codes(pdf) == [url_of(shown)]


# --- Queries ---------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 6])
def test_queries_do_not_grow_with_the_credentials(
    client, public_learner, count, django_assert_num_queries
):
    for n in range(count):
        micro_credential = MicroCredentialFactory(title=f"Credential {n}")
        micro_credential.skills.add(SkillFactory())
        issue(public_learner, micro_credential)

    # The profile, the credentials, their skills.
    with django_assert_num_queries(3):
        get_pdf(client)


@pytest.mark.parametrize("count", [1, 6])
def test_the_owners_queries_do_not_grow_with_the_credentials(
    client, learner, count, django_assert_num_queries
):
    for n in range(count):
        earn(learner, f"Credential {n}")
    client.force_login(learner)

    # The session and its user, the profile, the credentials, their skills.
    with django_assert_num_queries(5):
        get_pdf(client, OWN_URL)


# --- Large transcripts ------------------------------------------------------------------


def ready_notifications(learner):
    return Notification.objects.filter(recipient=learner, kind=notification_kinds.TRANSCRIPT_READY)


@pytest.fixture
def large(settings, learner):
    settings.TRANSCRIPT_BACKGROUND_THRESHOLD = 2
    for n in range(3):
        earn(learner, f"Credential {n}")
    return learner


def test_a_large_transcript_is_rendered_by_a_task_and_the_learner_told(client, large):
    client.force_login(large)

    # Tasks run inline here, so the document is ready by the time the view looks again.
    pdf = get_pdf(client, OWN_URL)

    assert "Credential 2" in pdf_text(pdf)
    notification = ready_notifications(large).get()
    assert notification.subject == "Your transcript is ready"
    assert notification.link == "/me/transcript.pdf?size=a4"
    # Asked again: served from the cache, and nobody is told twice.
    assert get_pdf(client, OWN_URL) == pdf
    assert ready_notifications(large).count() == 1


def test_a_large_transcript_being_rendered_is_enqueued_once(client, large, monkeypatch):
    enqueued = []
    monkeypatch.setattr(tasks.render_transcript, "delay", lambda **kw: enqueued.append(kw))
    client.force_login(large)

    first = client.get(OWN_URL, follow=True)
    second = client.get(OWN_URL)

    assert first.redirect_chain == [("/dashboard/", 302)]
    assert "Your transcript lists 3 credentials, so it is being prepared." in first.text
    assert second.status_code == 302
    assert enqueued == [{"learner_id": large.pk, "page_size": "a4", "tell_learner": True}]
    # The worker's run then makes it available, and tells the learner.
    tasks.render_transcript(**enqueued[0])
    assert "Credential 0" in pdf_text(get_pdf(client, OWN_URL))
    assert ready_notifications(large).count() == 1


def test_a_large_public_transcript_being_rendered_answers_503(client, large, monkeypatch):
    LearnerProfile.objects.filter(user=large).update(is_public=True, transcript_is_public=True)
    slug = LearnerProfile.objects.get(user=large).slug
    enqueued = []
    monkeypatch.setattr(tasks.render_transcript, "delay", lambda **kw: enqueued.append(kw))

    response = client.get(f"/p/{slug}/transcript.pdf")

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert enqueued == [{"learner_id": large.pk, "page_size": "a4", "tell_learner": False}]


def test_a_broker_failure_renders_in_the_request_instead(client, large, monkeypatch):
    def refuse(**kwargs):
        raise OperationalError("broker down")

    monkeypatch.setattr(tasks.render_transcript, "delay", refuse)
    client.force_login(large)

    pdf = get_pdf(client, OWN_URL)

    assert "Credential 1" in pdf_text(pdf)
    # Nothing is left marked as pending, and nobody was told about a task that never ran.
    assert not [key for key in cache._cache if "pdf:pending" in key]
    assert not ready_notifications(large).exists()

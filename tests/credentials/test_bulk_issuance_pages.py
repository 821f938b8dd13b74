"""The bulk issuance pages: the list's form, its per-row errors, and the progress page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from credentials import bulk_issuance
from credentials.models import BulkIssuance, IssuedCredential, MicroCredential
from credentials.permissions import (
    can_bulk_issue,
    get_bulk_issuance_for,
    get_micro_credential_for_bulk_issue,
)
from tests.credentials.conftest import issue
from tests.factories import IssuerFactory, UserFactory


@pytest.fixture
def form_url(micro_credential):
    return reverse("credentials:bulk-issuance-new", args=[micro_credential.slug])


def csv_file(text, name="cohort.csv"):
    data = text if isinstance(text, bytes) else text.encode()
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_staff_issue_a_csv_and_follow_its_progress(
    client, micro_credential, staff_of_issuer, form_url, django_capture_on_commit_callbacks
):
    ada, grace = UserFactory(email="ada@example.org"), UserFactory(email="grace@example.org")
    client.force_login(staff_of_issuer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            form_url, {"learner_file": csv_file("email\nada@example.org\nGrace@example.org\n")}
        )
    batch = BulkIssuance.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "credentials:bulk-issuance-detail", args=[batch.public_id]
    )
    assert set(
        IssuedCredential.objects.filter(micro_credential=micro_credential).values_list(
            "learner_id", flat=True
        )
    ) == {ada.pk, grace.pk}
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "2 of 2 rows done (100%)" in html
    assert '<progress id="bulk-progress-bar" max="2" value="2">' in html
    assert "Finished" in html
    # A finished batch is not followed any more.
    assert "bulk-progress.js" not in html
    assert "data-refresh-seconds" not in html


def test_an_unfinished_batch_is_followed_by_a_script_with_a_refresh_link_without_it(
    client, micro_credential, staff_of_issuer, form_url, django_capture_on_commit_callbacks
):
    UserFactory(email="ada@example.org")
    client.force_login(staff_of_issuer)
    # The task not run yet (a worker would run it).
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(form_url, {"addresses": "ada@example.org\n"})
    html = client.get(response["Location"]).content.decode()
    assert 'aria-live="polite" data-bulk-progress data-refresh-seconds="2">' in html
    assert '/js/bulk-progress.js" defer></script>' in html
    assert f'<a href="{response["Location"]}">Refresh</a>' in html
    assert "0 of 1 rows done (0%)" in html
    # No meta refresh: it would reload the page under the reader.
    assert 'http-equiv="refresh"' not in html


def test_rows_that_cannot_be_issued_are_listed_and_nothing_is_issued(
    client, micro_credential, staff_of_issuer, form_url
):
    UserFactory(email="ada@example.org")
    issue(UserFactory(email="holder@example.org"), micro_credential)
    client.force_login(staff_of_issuer)
    response = client.post(
        form_url,
        {"addresses": "ada@example.org\nnobody@example.org\nholder@example.org\nada@example.org"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "3 of 4 rows cannot be issued, so nothing was issued." in html
    assert (
        "<td>2</td><td>nobody@example.org</td><td>No active learner account has this address.</td>"
        in html
    )
    assert "<td>3</td><td>holder@example.org</td><td>This learner already holds it.</td>" in html
    assert "<td>4</td><td>ada@example.org</td><td>Repeats line 1.</td>" in html
    assert not BulkIssuance.objects.exists()
    assert IssuedCredential.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"learner_file": csv_file(b"\xff\xfe\x00a")}, "The file is not UTF-8 text"),
        (
            {"learner_file": csv_file(b"a" * (bulk_issuance.MAX_FILE_BYTES + 10))},
            "a list may be at most 512 KB",
        ),
        ({"learner_file": csv_file(b"\x89PNG\r\n\x1a\n\x00\x00")}, "The file is not UTF-8 text"),
        ({"learner_file": csv_file(b"", name="empty.csv")}, "The submitted file is empty."),
        ({"addresses": ""}, "Upload a CSV file or paste addresses (one of the two)."),
        (
            {"addresses": "a@example.org", "learner_file": csv_file("a@example.org")},
            "Upload a CSV file or paste addresses (one of the two).",
        ),
        ({"addresses": "x" * 200_001}, "Ensure this value has at most 200000 characters"),
        ({"addresses": "\n\n"}, "Upload a CSV file or paste addresses"),
        ({"addresses": "email"}, "The list has no e-mail addresses."),
    ],
)
def test_a_bad_list_gets_a_clear_error_never_a_500(
    client, micro_credential, staff_of_issuer, form_url, data, message
):
    client.force_login(staff_of_issuer)
    response = client.post(form_url, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not BulkIssuance.objects.exists()


def test_the_micro_credential_page_offers_bulk_issuance_to_its_staff_only(
    client, micro_credential, staff_of_issuer, form_url
):
    page = reverse("credentials:micro-credential-detail", args=[micro_credential.slug])
    client.force_login(staff_of_issuer)
    assert f'href="{form_url}"' in client.get(page).content.decode()
    client.force_login(UserFactory())
    html = client.get(page).content.decode()
    assert micro_credential.title in html
    assert f'href="{form_url}"' not in html


# --- Access: the issuer's staff only; a 404 for everyone else --------------------------------


def _actor(role, micro_credential):
    issuer = micro_credential.issuer
    if role == "anonymous":
        return None
    if role == "learner":
        return UserFactory()
    if role == "employer":
        return UserFactory(employer=True)
    if role == "assessor of the issuer":
        user = UserFactory(assessor=True)
        issuer.assessors.add(user)
        micro_credential.assessors.add(user)
        return user
    if role == "staff of another issuer":
        user = UserFactory(issuer_staff=True)
        IssuerFactory().staff.add(user)
        return user
    if role == "site administrator":
        return UserFactory(is_superuser=True, is_staff=True)
    if role == "deactivated staff":
        user = UserFactory(issuer_staff=True, is_active=False)
        issuer.staff.add(user)
        return user
    raise AssertionError(role)


OUTSIDERS = [
    "learner",
    "employer",
    "assessor of the issuer",
    "staff of another issuer",
    "site administrator",
    "deactivated staff",
]


@pytest.fixture
def batch(micro_credential, staff_of_issuer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        return bulk_issuance.start_bulk_issuance(
            micro_credential_id=micro_credential.pk,
            learners=[(1, UserFactory())],
            by=staff_of_issuer,
        )


@pytest.mark.parametrize("role", OUTSIDERS)
def test_everyone_but_the_issuers_staff_gets_a_404(client, micro_credential, batch, form_url, role):
    from django.http import Http404

    actor = _actor(role, micro_credential)
    assert not can_bulk_issue(actor, micro_credential)
    with pytest.raises(Http404):
        get_micro_credential_for_bulk_issue(actor, micro_credential.slug)
    with pytest.raises(Http404):
        get_bulk_issuance_for(actor, batch.public_id)
    client.force_login(actor)
    detail = reverse("credentials:bulk-issuance-detail", args=[batch.public_id])
    # A deactivated account's session no longer signs anyone in: it is sent to log in.
    expected = 302 if role == "deactivated staff" else 404
    for url in (form_url, detail):
        assert client.get(url).status_code == expected
    assert client.post(form_url, {"addresses": "x@example.org"}).status_code == expected
    assert BulkIssuance.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client, batch, form_url):
    detail = reverse("credentials:bulk-issuance-detail", args=[batch.public_id])
    for url in (form_url, detail):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_every_member_of_the_issuers_staff_may_follow_a_batch(
    client, micro_credential, batch, staff_of_issuer
):
    colleague = UserFactory(issuer_staff=True)
    micro_credential.issuer.staff.add(colleague)
    for user in (staff_of_issuer, colleague):
        assert can_bulk_issue(user, micro_credential)
        assert get_bulk_issuance_for(user, batch.public_id) == batch
        client.force_login(user)
        response = client.get(reverse("credentials:bulk-issuance-detail", args=[batch.public_id]))
        assert response.status_code == 200
        assert "0 of 1 rows done" in response.content.decode()


@pytest.mark.parametrize("status", ["draft", "retired"])
def test_a_draft_or_retired_micro_credential_cannot_be_issued_in_bulk(
    client, micro_credential, staff_of_issuer, form_url, status
):
    MicroCredential.objects.filter(pk=micro_credential.pk).update(status=status)
    micro_credential.refresh_from_db()
    assert not can_bulk_issue(staff_of_issuer, micro_credential)
    client.force_login(staff_of_issuer)
    assert client.get(form_url).status_code == 404
    MicroCredential.objects.filter(pk=micro_credential.pk).update(status="published")
    assert client.get(form_url).status_code == 200


def test_the_progress_page_takes_the_same_queries_for_few_and_many_rows(
    client, micro_credential, staff_of_issuer, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff_of_issuer)

    def page_queries(count):
        # Learners deactivated before their turn: each row is skipped and listed.
        users = [UserFactory(is_active=True) for _ in range(count)]
        with django_capture_on_commit_callbacks(execute=False):
            batch = bulk_issuance.start_bulk_issuance(
                micro_credential_id=micro_credential.pk,
                learners=list(enumerate(users, start=1)),
                by=staff_of_issuer,
            )
        for user in users:
            user.is_active = False
            user.save()
        bulk_issuance.issue_bulk_credentials(batch_id=batch.pk)
        url = reverse("credentials:bulk-issuance-detail", args=[batch.public_id])
        with CaptureQueriesContext(connection) as captured:
            html = client.get(url).content.decode()
        assert html.count("The account is deactivated.") == count
        return len(captured)

    assert page_queries(1) == page_queries(3)

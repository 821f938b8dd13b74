"""The public sees the same credentials on every public surface (credentials.public).

For every combination of the learner's choice (shown or hidden), the credential's validity
(valid, expired, revoked), the holder's account (active or deactivated), their profile
(public or private) and the micro-credential's state (published, retired, draft), each
public page is rendered as an anonymous visitor, parsed for what it lists, and compared with
the others and with the rule written in credentials/public.py's docstring.

The public surfaces are the learner's page (/p/<slug>/), a micro-credential's list of
holders (/credentials/<slug>/), the credential's own page (/c/<id>/), the employers' directory
(/directory/) and the public transcript (/p/<slug>/transcript.pdf). The directory and the
transcript state what holds now, so they list the valid credentials of what the page lists;
the transcript's own tests check that its PDF prints exactly its list. The REST API
(portfolio/api/) serves evidence only and lists no credentials, so it has nothing to compare.
"""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest

from credentials.directory.documents import refresh_directory_entry
from credentials.directory.search import DirectoryFilters, search_directory
from credentials.models import MicroCredential
from credentials.public import list_transcript_credentials, public_credentials
from credentials.services import set_credential_visibility
from tests.credentials.conftest import NOW, issue, revoke
from tests.factories import (
    EvidenceItemFactory,
    LearnerProfileFactory,
    MicroCredentialFactory,
    UserFactory,
)

THREE_YEARS_AGO = NOW - timedelta(days=3 * 365)

SUBJECT = "sam"
CONTROL = "cora"

COMBINATIONS = list(
    itertools.product(
        ["shown", "hidden"],
        ["valid", "expired", "revoked"],
        ["active", "deactivated"],
        ["public", "private"],
        ["published", "retired", "draft"],
    )
)


def person(display_name, slug, *, is_public=True):
    user = UserFactory(with_profile=False)
    LearnerProfileFactory(user=user, display_name=display_name, slug=slug, is_public=is_public)
    return user


def listed_on_public_page(client, slug, titles_to_slugs, assert_queries):
    """(holder, micro-credential, status) for each credential /p/<slug>/ lists; None for 404."""
    with assert_queries:
        response = client.get(f"/p/{slug}/")
    if response.status_code == 404:
        return None
    assert response.status_code == 200
    cards = re.findall(
        r'<a href="/c/[0-9a-f-]+/">([^<]+)</a>.*?<span class="pill pill-(\w+)">',
        response.text,
        flags=re.DOTALL,
    )
    return {(slug, titles_to_slugs[title], status) for title, status in cards}


def listed_among_holders(client, micro_credential, assert_queries):
    """(holder, micro-credential, status) for each holder its page lists; None for 404."""
    with assert_queries:
        response = client.get(f"/credentials/{micro_credential.slug}/")
    if response.status_code == 404:
        return None
    assert response.status_code == 200
    section = response.text[response.text.index("Earned publicly by") :]
    holders = re.findall(
        r'<a href="/p/([\w-]+)/">.*?<span class="holder-name">[^<]+</span>'
        r'(?: <span class="pill pill-(\w+)">)?',
        section,
        flags=re.DOTALL,
    )
    return {(slug, micro_credential.slug, status or "valid") for slug, status in holders}


def credential_page(client, credential, assert_queries):
    """(status word, linked profile slug or "") of /c/<id>/; None for 404."""
    with assert_queries:
        response = client.get(f"/c/{credential.public_id}/")
    if response.status_code == 404:
        return None
    assert response.status_code == 200
    status = re.search(r'<h1 class="credential-status-word">(\w+)</h1>', response.text)
    holder = re.search(r'Awarded to (?:<a href="/p/([\w-]+)/">)?', response.text)
    assert status is not None
    assert holder is not None
    return status.group(1).lower(), holder.group(1) or ""


@pytest.mark.parametrize(
    ("visibility", "validity", "account", "profile", "state"),
    COMBINATIONS,
    ids=["-".join(combination) for combination in COMBINATIONS],
)
def test_every_public_surface_lists_the_same_credentials(
    db, client, django_assert_num_queries, visibility, validity, account, profile, state
):
    subject = person("Sam Subject", SUBJECT, is_public=profile == "public")
    control = person("Cora Control", CONTROL)
    # Every list checked below also holds something that must be there, so an empty page
    # (or a 404) cannot pass for one that leaves the subject's credential out.
    EvidenceItemFactory(owner=subject, public=True, title="Sam's notes")
    tested = MicroCredentialFactory(title="Tested", slug="tested", validity_months=24)
    anchor = MicroCredentialFactory(title="Anchor", slug="anchor")
    titles_to_slugs = {"Tested": "tested", "Anchor": "anchor"}

    credential = issue(subject, tested, issued_at=THREE_YEARS_AGO if validity == "expired" else NOW)
    anchor_credential = issue(subject, anchor)
    issue(control, tested)
    if validity == "revoked":
        revoke(credential)
    if visibility == "hidden":
        set_credential_visibility(credential_id=credential.pk, by=subject, is_shown_publicly=False)
    if account == "deactivated":
        subject.is_active = False
        subject.save(update_fields=["is_active"])
    MicroCredential.objects.filter(pk=tested.pk).update(status=state)
    tested.refresh_from_db()

    # The rule, written out independently of the code under test.
    profile_is_public = profile == "public" and account == "active"
    is_listed = (
        visibility == "shown" and validity != "revoked" and profile_is_public and state != "draft"
    )
    subject_entry = (SUBJECT, "tested", validity)

    # Each page costs the same whatever is listed (none comes from the cache, which is empty
    # here): the public page reads the profile, its evidence, their skills, the credentials
    # and theirs (the profile alone when it is a 404); the micro-credential's page reads it,
    # its skills, criteria, levels and holders; the credential's page reads it and its skills
    # (the credential alone when it is a 404; no cited item here comes from a library, so
    # none is looked up).
    on_public_page = listed_on_public_page(
        client,
        SUBJECT,
        titles_to_slugs,
        django_assert_num_queries(5 if profile_is_public else 1),
    )
    among_holders = listed_among_holders(
        client, tested, django_assert_num_queries(1 if state == "draft" else 5)
    )
    own_page = credential_page(
        client, credential, django_assert_num_queries(2 if account == "active" else 1)
    )

    if profile_is_public:
        assert on_public_page is not None
        assert (SUBJECT, "anchor", "valid") in on_public_page
        assert {entry for entry in on_public_page if entry[1] == "tested"} == (
            {subject_entry} if is_listed else set()
        )
    else:
        assert on_public_page is None

    if state == "draft":
        assert among_holders is None
    else:
        assert among_holders is not None
        assert (CONTROL, "tested", "valid") in among_holders
        assert {entry for entry in among_holders if entry[0] == SUBJECT} == (
            {subject_entry} if is_listed else set()
        )

    # What one list shows of the subject's credential, the other shows too.
    if on_public_page is not None and among_holders is not None:
        assert {e for e in on_public_page if e[1] == "tested"} == {
            e for e in among_holders if e[0] == SUBJECT
        }

    # The lists to come (the directory, the transcript) start from the same QuerySet.
    expected = {anchor_credential} if profile_is_public else set()
    if is_listed:
        expected.add(credential)
    assert set(public_credentials().filter(learner=subject)) == expected

    # The directory and the transcript list the valid ones among what the page lists.
    for user in (subject, control):
        refresh_directory_entry(profile_id=user.profile.pk, now=NOW)
    in_directory = {
        result.profile.slug: set(result.credential_titles)
        for result in search_directory(DirectoryFilters(), now=NOW).results
    }
    # A draft micro-credential is listed nowhere, the control's included.
    control_titles = set() if state == "draft" else {"Tested"}
    assert in_directory[CONTROL] == control_titles
    valid_titles = {"Anchor", "Tested"} if is_listed and validity == "valid" else {"Anchor"}
    if profile_is_public:
        assert in_directory[SUBJECT] == valid_titles
    else:
        assert SUBJECT not in in_directory
    on_transcript = {
        shown.micro_credential.title
        for shown in list_transcript_credentials(learner=subject, now=NOW)
    }
    assert on_transcript == (valid_titles if profile_is_public else set())
    assert {
        shown.micro_credential.title
        for shown in list_transcript_credentials(learner=control, now=NOW)
    } == control_titles

    # The credential's own page answers whatever its status or listing, so a verifier can
    # check it; only a deactivated holder takes it off. It never contradicts a list.
    if account == "deactivated":
        assert own_page is None
    else:
        assert own_page == (validity, SUBJECT if profile_is_public else "")


def test_the_credential_page_of_a_listed_credential_links_back_to_the_list(db, client):
    # The same comparison from the other side: every credential a public page lists has a
    # page saying the same status and linking to that public page.
    subject = person("Sam Subject", SUBJECT)
    credentials = {
        "valid": issue(subject, MicroCredentialFactory(title="Valid One")),
        "expired": issue(
            subject,
            MicroCredentialFactory(title="Expired One", validity_months=12),
            issued_at=THREE_YEARS_AGO,
        ),
    }
    text = client.get(f"/p/{SUBJECT}/").text
    for status, credential in credentials.items():
        assert f'<a href="/c/{credential.public_id}/">' in text
        page = client.get(f"/c/{credential.public_id}/").text
        assert f'<h1 class="credential-status-word">{status.upper()}</h1>' in page
        assert f'Awarded to <a href="/p/{SUBJECT}/">Sam Subject</a>' in page

"""A deactivated account (is_active off) has nothing public anywhere: its profile, its
public evidence, its place among a micro-credential's holders and its credentials' pages
answer as if they did not exist. Reactivating brings everything back as it was."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import TestCase
from django.urls import reverse

from portfolio.permissions import can_view_evidence, visible_evidence
from tests.credentials.conftest import issue
from tests.factories import EvidenceItemFactory, LearnerProfileFactory, UserFactory

PROFILE_URL = "/p/kim/"
DETAIL_URL = "/credentials/data-storytelling/"


def holder(display_name, slug):
    user = UserFactory(with_profile=False)
    LearnerProfileFactory(user=user, display_name=display_name, slug=slug, is_public=True)
    return user


def set_active(user, is_active):
    # Committed, as the admin's save would be: cached pages follow it after commit.
    with TestCase.captureOnCommitCallbacks(execute=True):
        user.is_active = is_active
        user.save(update_fields=["is_active"])


@pytest.fixture
def kim(db):
    return holder("Kim Holder", "kim")


@pytest.fixture
def public_items(kim):
    return {
        "photo": EvidenceItemFactory(owner=kim, image=True, public=True, title="Kim's photo"),
        "notes": EvidenceItemFactory(owner=kim, public=True, title="Kim's notes"),
    }


@pytest.fixture
def credential(kim, micro_credential):
    return issue(kim, micro_credential)


def evidence_urls(item):
    return [
        reverse("portfolio:evidence-detail", args=[item.pk]),
        reverse("portfolio:evidence-file", args=[item.pk]),
        reverse("portfolio:evidence-thumbnail", args=[item.pk]),
        reverse("api:evidence-detail", args=[item.pk]),
    ]


def holder_names(client):
    text = client.get(DETAIL_URL).text
    section = text[text.index("Earned publicly by") :]
    return re.findall(r'<span class="holder-name">([^<]+)</span>', section)


def test_the_public_page_is_a_404_while_deactivated(client, kim, public_items):
    page = client.get(PROFILE_URL)
    assert page.status_code == 200
    assert "Kim Holder" in page.text

    set_active(kim, False)
    assert client.get(PROFILE_URL).status_code == 404

    set_active(kim, True)
    assert "Kim&#x27;s notes" in client.get(PROFILE_URL).text


@pytest.mark.parametrize("viewer", ["anonymous", "employer", "other_learner"])
def test_public_evidence_is_a_404_while_deactivated(
    client, request, kim, public_items, viewer, employer, other_learner
):
    if viewer != "anonymous":
        client.force_login(request.getfixturevalue(viewer))
    urls = evidence_urls(public_items["photo"])
    assert [client.get(url).status_code for url in urls] == [200, 200, 200, 200]

    set_active(kim, False)

    assert [client.get(url).status_code for url in urls] == [404, 404, 404, 404]


def test_predicate_and_queryset_hide_the_evidence_alike(kim, public_items, employer):
    set_active(kim, False)
    active_owner = UserFactory(with_profile=False)
    LearnerProfileFactory(user=active_owner, slug="active-owner", is_public=True)
    shown = EvidenceItemFactory(owner=active_owner, public=True, title="Still public")

    for viewer in (AnonymousUser(), employer):
        assert list(visible_evidence(viewer)) == [shown]
        assert can_view_evidence(viewer, shown)
        for item in public_items.values():
            assert not can_view_evidence(viewer, item)


def test_the_holder_leaves_the_list_of_holders(client, kim, credential, micro_credential):
    issue(holder("Adam Public", "adam"), micro_credential)
    assert holder_names(client) == ["Adam Public", "Kim Holder"]

    set_active(kim, False)

    assert holder_names(client) == ["Adam Public"]


@pytest.mark.parametrize("viewer", ["anonymous", "employer", "assessor", "other_issuer_staff"])
def test_the_credential_page_is_a_404_while_deactivated(
    client, request, kim, credential, viewer, employer, assessor
):
    if viewer == "other_issuer_staff":
        client.force_login(UserFactory(issuer_staff=True))
    elif viewer != "anonymous":
        client.force_login(request.getfixturevalue(viewer))
    url = f"/c/{credential.public_id}/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Kim Holder" in page.text

    set_active(kim, False)

    assert client.get(url).status_code == 404


def test_the_issuers_staff_still_reach_the_page_to_revoke_it(
    client, kim, credential, staff_of_issuer
):
    set_active(kim, False)
    client.force_login(staff_of_issuer)

    page = client.get(f"/c/{credential.public_id}/")
    assert page.status_code == 200
    assert "Kim Holder" in page.text
    # Named, but no longer linked to a profile that is now a 404.
    assert 'href="/p/kim/"' not in page.text
    revoke_url = reverse("credentials:credential-revoke", args=[credential.public_id])
    assert client.get(revoke_url).status_code == 200
    response = client.post(revoke_url, {"reason": "Account closed after a misconduct finding."})
    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.revoked_at is not None

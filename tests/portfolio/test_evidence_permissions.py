"""Who may see evidence: the predicate, the QuerySet and every endpoint, over one matrix."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from portfolio.models import EvidenceItem
from portfolio.permissions import can_edit_evidence, can_view_evidence, visible_evidence
from tests.factories import EvidenceItemFactory, LearnerProfileFactory, UserFactory

VIEWERS = ["owner", "other_learner", "anonymous", "assessor", "employer", "issuer_staff"]
# (item is public, profile is public) -> the viewers who may see the item
SITUATIONS = {
    "private item, private profile": (False, False, {"owner"}),
    "private item, public profile": (False, True, {"owner"}),
    "public item, private profile": (True, False, {"owner"}),
    "public item, public profile": (True, True, set(VIEWERS)),
}


@pytest.fixture
def viewers(db, other_learner, assessor, employer, issuer_staff):
    owner = UserFactory(email="owner@example.com", with_profile=False)
    LearnerProfileFactory(user=owner, slug="owner")
    return {
        "owner": owner,
        "other_learner": other_learner,
        "anonymous": AnonymousUser(),
        "assessor": assessor,
        "employer": employer,
        "issuer_staff": issuer_staff,
    }


def evidence_in(situation, owner):
    item_public, profile_public, _allowed = SITUATIONS[situation]
    owner.profile.is_public = profile_public
    owner.profile.save()
    return EvidenceItemFactory(owner=owner, image=True, is_public=item_public)


@pytest.mark.parametrize("situation", SITUATIONS)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_predicate_and_queryset_agree(viewers, situation, viewer):
    item = evidence_in(situation, viewers["owner"])
    expected = viewer in SITUATIONS[situation][2]
    user = viewers[viewer]

    fetched = EvidenceItem.objects.select_related("owner__profile").get(pk=item.pk)
    assert can_view_evidence(user, fetched) is expected
    assert visible_evidence(user).filter(pk=item.pk).exists() is expected


@pytest.mark.parametrize("viewer", VIEWERS)
def test_only_the_owner_may_edit(viewers, viewer):
    item = evidence_in("public item, public profile", viewers["owner"])
    assert can_edit_evidence(viewers[viewer], item) is (viewer == "owner")


def test_can_view_is_false_for_an_owner_without_a_profile(db):
    owner = UserFactory(with_profile=False)
    item = EvidenceItemFactory(owner=owner, is_public=True)
    assert can_view_evidence(AnonymousUser(), item) is False
    assert not visible_evidence(AnonymousUser()).filter(pk=item.pk).exists()


def endpoints(item):
    return {
        "detail": reverse("portfolio:evidence-detail", args=[item.pk]),
        "file": reverse("portfolio:evidence-file", args=[item.pk]),
        "thumbnail": reverse("portfolio:evidence-thumbnail", args=[item.pk]),
        "api": reverse("api:evidence-detail", args=[item.pk]),
    }


def get_as(client, user, url):
    if not isinstance(user, AnonymousUser):
        client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize("endpoint", ["detail", "file", "thumbnail", "api"])
@pytest.mark.parametrize("situation", SITUATIONS)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_endpoints_follow_the_matrix_with_404_never_403(
    client, viewers, situation, viewer, endpoint
):
    item = evidence_in(situation, viewers["owner"])

    response = get_as(client, viewers[viewer], endpoints(item)[endpoint])

    if viewer in SITUATIONS[situation][2]:
        assert response.status_code == 200
        if endpoint == "detail":
            assert item.title in response.text
        elif endpoint == "api":
            assert response.json()["title"] == item.title
        else:
            assert response["X-Content-Type-Options"] == "nosniff"
    else:
        assert response.status_code == 404


def test_a_missing_item_and_a_hidden_one_look_the_same(client, viewers):
    item = evidence_in("private item, private profile", viewers["owner"])
    client.force_login(viewers["other_learner"])
    hidden = client.get(reverse("portfolio:evidence-file", args=[item.pk]))
    missing = client.get(reverse("portfolio:evidence-file", args=[item.pk + 1000]))
    assert hidden.status_code == missing.status_code == 404
    # The 404 page carries the header's log-out form, whose CSRF token is masked afresh
    # for every response: everything else must be byte for byte the same.
    assert "<h1>Page not found</h1>" in hidden.text
    assert without_csrf_tokens(hidden.text) == without_csrf_tokens(missing.text)


def without_csrf_tokens(page):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


@pytest.mark.parametrize("viewer", ["other_learner", "anonymous", "employer"])
def test_switching_the_profile_off_hides_public_items_at_once(client, viewers, viewer):
    item = evidence_in("public item, public profile", viewers["owner"])
    url = reverse("portfolio:evidence-file", args=[item.pk])
    assert get_as(client, viewers[viewer], url).status_code == 200

    viewers["owner"].profile.is_public = False
    viewers["owner"].profile.save()

    assert client.get(url).status_code == 404

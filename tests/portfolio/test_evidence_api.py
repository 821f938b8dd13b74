from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from portfolio.models import Event, EvidenceItem
from tests.factories import EvidenceItemFactory, SkillFactory

LIST_URL = reverse("api:evidence-list")


def detail_url(item):
    return reverse("api:evidence-detail", args=[item.pk])


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client


def test_list_returns_only_the_learners_own_items(signed_in, learner, other_learner):
    mine = EvidenceItemFactory(owner=learner, title="Mine")
    EvidenceItemFactory(owner=other_learner, title="Theirs", public=True)

    response = signed_in.get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [item["id"] for item in body["results"]] == [mine.pk]


def test_list_is_paginated(signed_in, learner, settings):
    EvidenceItemFactory.create_batch(27, owner=learner)
    first = signed_in.get(LIST_URL).json()
    second = signed_in.get(LIST_URL, {"page": 2}).json()
    assert (first["count"], len(first["results"]), len(second["results"])) == (27, 25, 2)
    assert first["next"] == "http://testserver/api/v1/evidence/?page=2"


def test_list_query_count_does_not_grow(signed_in, learner, django_assert_max_num_queries):
    skill = SkillFactory()
    for _ in range(3):
        EvidenceItemFactory(owner=learner).skills.set([skill])
    with django_assert_max_num_queries(8) as few:
        signed_in.get(LIST_URL)
    for _ in range(9):
        EvidenceItemFactory(owner=learner).skills.set([skill])
    with django_assert_max_num_queries(len(few.captured_queries)):
        signed_in.get(LIST_URL)


def test_list_needs_a_signed_in_user(client):
    response = client.get(LIST_URL)
    assert response.status_code == 403
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_detail_has_the_documented_shape(signed_in, learner):
    skill = SkillFactory(name="Data visualisation", slug="data-visualisation")
    item = EvidenceItemFactory(owner=learner, pdf=True, title="Annual report", description="")
    item.skills.set([skill])

    body = signed_in.get(detail_url(item)).json()

    assert body == {
        "id": item.pk,
        "kind": "file",
        "title": "Annual report",
        "description": "",
        "work_done_on": date(2026, 3, 14).isoformat(),
        "skills": [{"name": "Data visualisation", "slug": "data-visualisation"}],
        "url": "",
        "body": "",
        "is_public": False,
        "file_url": f"http://testserver/evidence/{item.pk}/file/",
        "created_at": body["created_at"],
    }
    assert body["created_at"].startswith(item.created_at.date().isoformat())


def test_detail_of_a_reflection_has_no_file_url(signed_in, learner):
    item = EvidenceItemFactory(owner=learner)
    body = signed_in.get(detail_url(item)).json()
    assert (body["kind"], body["body"], body["file_url"]) == (
        "reflection",
        "I **learned** a great deal.",
        None,
    )


def test_detail_of_another_learners_private_item_is_404(client, learner, other_learner):
    item = EvidenceItemFactory(owner=other_learner)
    client.force_login(learner)
    response = client.get(detail_url(item))
    assert response.status_code == 404
    assert response.json() == {"detail": "No such evidence."}


def test_detail_of_a_public_item_on_a_public_profile_is_readable_by_anyone(client, public_learner):
    item = EvidenceItemFactory(owner=public_learner, public=True, title="Shown")
    response = client.get(detail_url(item))
    assert response.status_code == 200
    assert response.json()["title"] == "Shown"


def test_the_api_creates_and_edits_nothing(signed_in, learner):
    item = EvidenceItemFactory(owner=learner, title="Mine")
    assert signed_in.post(LIST_URL, {"title": "x"}).status_code == 405
    assert signed_in.put(detail_url(item), {"title": "y"}).status_code == 405
    item.refresh_from_db()
    assert item.title == "Mine"


def test_the_owner_deletes_an_item(signed_in, learner):
    item = EvidenceItemFactory(owner=learner, title="Old draft")
    kept = EvidenceItemFactory(owner=learner, title="Keeper")

    response = signed_in.delete(detail_url(item))

    assert response.status_code == 204
    assert list(EvidenceItem.objects.filter(owner=learner)) == [kept]
    assert Event.objects.filter(verb="evidence.deleted", actor=learner).count() == 1


def test_someone_who_may_see_an_item_but_not_delete_it_gets_the_services_refusal(
    client, learner, public_learner
):
    item = EvidenceItemFactory(owner=public_learner, title="Shown", public=True)
    client.force_login(learner)
    assert client.get(detail_url(item)).status_code == 200

    response = client.delete(detail_url(item))

    assert response.status_code == 403
    assert response.json() == {
        "code": "evidence.not_owner",
        "detail": "Only the owner can delete this evidence.",
    }
    assert EvidenceItem.objects.filter(pk=item.pk).exists()


def test_deleting_an_item_one_may_not_see_is_a_404(client, learner, other_learner):
    item = EvidenceItemFactory(owner=other_learner, title="Private")
    client.force_login(learner)

    response = client.delete(detail_url(item))

    assert response.status_code == 404
    assert EvidenceItem.objects.filter(pk=item.pk).exists()


def test_anonymous_deletes_nothing(client, public_learner):
    item = EvidenceItemFactory(owner=public_learner, title="Shown", public=True)
    assert client.get(detail_url(item)).status_code == 200

    response = client.delete(detail_url(item))

    assert response.status_code == 403
    assert EvidenceItem.objects.filter(pk=item.pk).exists()


def test_deleting_needs_the_csrf_token(learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    item = EvidenceItemFactory(owner=learner, title="Mine")

    response = client.delete(detail_url(item))

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert EvidenceItem.objects.filter(pk=item.pk).exists()

"""The activity page: the event log, as each role may read it, one sentence per event."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from django.db import transaction
from django.urls import reverse

from assessments.services import applying, reviewing
from credentials.services import publish_micro_credential, retire_micro_credential
from portfolio.activity import TargetLink, describe_profiles, list_verb_choices
from portfolio.events import declare_event, events_recorded_at, list_declared_events, record_event
from portfolio.models import User
from portfolio.services.accounts import change_role
from tests.factories import EvidenceItemFactory, MicroCredentialFactory, UserFactory

URL = reverse("portfolio:activity")


@dataclass(frozen=True)
class Added:
    title: str


# A verb of this test's own, about a portfolio object, so these tests depend on no service.
EVIDENCE_ADDED = declare_event("test_activity.evidence_added", Added, label="added evidence")
MARCH = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
APRIL = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)


def _evidence_added(owner, title="Sales dashboard"):
    item = EvidenceItemFactory(owner=owner, title=title, link=True)
    with transaction.atomic():
        record_event(
            EVIDENCE_ADDED, by=owner, target=item, owner=owner, payload=Added(title=item.title)
        )
    return item


def sentences(response):
    """Each line as (who, label, object name, object link)."""
    return [
        (
            line.actor.email if line.actor else None,
            line.label,
            line.target.name if line.target else None,
            line.target.url if line.target else None,
        )
        for line in response.context["lines"]
    ]


@pytest.fixture
def world(db):
    """Two issuers, each with staff, an assessor, a micro-credential and a learner applying."""
    made = {}
    for name in ("a", "b"):
        assessor = UserFactory(email=f"assessor-{name}@example.com", assessor=True)
        micro_credential = MicroCredentialFactory(
            title=f"Credential {name.upper()}", assessors=[assessor]
        )
        staff = UserFactory(email=f"staff-{name}@example.com", issuer_staff=True)
        micro_credential.issuer.staff.add(staff)
        learner = UserFactory(email=f"learner-{name}@example.com")
        application = applying.start_application(
            by=learner, micro_credential_id=micro_credential.pk
        )
        made[name] = {
            "assessor": assessor,
            "micro_credential": micro_credential,
            "staff": staff,
            "learner": learner,
            "application": application,
        }
    return made


def _detail(application):
    return reverse("assessments:application-detail", args=[application.pk])


def _review(application):
    return reverse("assessments:review", args=[application.pk])


# --- Who sees what ------------------------------------------------------------------------


def test_anonymous_visitors_are_asked_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={URL}"


def test_a_learner_sees_the_events_about_their_own_things_linked_to_them(client, world):
    learner, application = world["a"]["learner"], world["a"]["application"]
    item = _evidence_added(learner)
    _evidence_added(world["b"]["learner"], title="Someone else's work")
    client.force_login(learner)

    response = client.get(URL)

    assert response.status_code == 200
    assert sentences(response) == [
        (
            learner.email,
            "added evidence",
            "Sales dashboard",
            reverse("portfolio:evidence-detail", args=[item.pk]),
        ),
        (
            learner.email,
            "started an application",
            "Application for Credential A",
            _detail(application),
        ),
    ]
    page = response.text
    assert '<span class="activity-who">You</span>' in page
    assert f'<a href="{_detail(application)}">Application for Credential A</a>' in page
    assert "Someone else" not in page
    assert "Credential B" not in page


def test_issuer_staff_see_their_organisations_events_and_not_anothers(client, world):
    a, b = world["a"], world["b"]
    assessments_draft_to_submitted(a)
    client.force_login(a["staff"])

    response = client.get(URL)

    assert response.status_code == 200
    assert [(who, label) for who, label, _name, _url in sentences(response)] == [
        (a["learner"].email, "submitted an application"),
        *[(a["learner"].email, "saved an answer in an application")] * 2,
        (a["learner"].email, "started an application"),
    ]
    # Their organisation's submitted application opens on its review page.
    assert sentences(response)[0][2:] == ("Application for Credential A", _review(a["application"]))
    # A draft is the learner's alone: named, but not linked.
    assert "Credential B" not in response.text
    assert b["learner"].email not in response.text


def test_an_assessor_sees_what_they_did_and_what_is_theirs_not_the_issuers_log(client, world):
    a = world["a"]
    assessments_draft_to_submitted(a)
    reviewing.claim_application(application_id=a["application"].pk, by=a["assessor"])
    client.force_login(a["assessor"])

    response = client.get(URL)

    assert sentences(response) == [
        (
            a["assessor"].email,
            "claimed an application for review",
            "Application for Credential A",
            _review(a["application"]),
        )
    ]


def test_an_employer_sees_only_their_own_events(client, world, employer):
    client.force_login(employer)

    response = client.get(URL)

    assert response.status_code == 200
    assert sentences(response) == []
    assert "Nothing has happened yet." in response.text


def test_a_superuser_sees_every_event(client, world):
    admin = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    client.force_login(admin)

    response = client.get(URL)

    assert sorted(name for _who, _label, name, _url in sentences(response)) == [
        "Application for Credential A",
        "Application for Credential B",
    ]
    assert "Everything that has happened on the site" in response.text


def test_the_page_changes_nothing(client, world):
    client.force_login(world["a"]["learner"])
    assert client.post(URL).status_code == 405
    assert client.get(URL).status_code == 200


# --- Filters --------------------------------------------------------------------------------


def test_issuer_staff_filter_by_kind_actor_and_days(client, world):
    a = world["a"]
    with events_recorded_at(MARCH):
        assessments_draft_to_submitted(a)
    with events_recorded_at(APRIL):
        reviewing.claim_application(application_id=a["application"].pk, by=a["assessor"])
    client.force_login(a["staff"])

    by_kind = client.get(URL, {"verb": "application.claimed"})
    by_actor = client.get(URL, {"actor": "ASSESSOR-a@"})
    in_march = client.get(URL, {"since": "1 March 2026", "until": "31 March 2026"})

    assert [label for _w, label, _n, _u in sentences(by_kind)] == [
        "claimed an application for review"
    ]
    assert [who for who, _l, _n, _u in sentences(by_actor)] == [a["assessor"].email]
    assert [label for _w, label, _n, _u in sentences(in_march)] == [
        "submitted an application",
        "saved an answer in an application",
        "saved an answer in an application",
    ]
    assert "Clear filters" in in_march.text


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"since": "the day before yesterday"}, "Enter a date such as 14 March 2026."),
        ({"until": "31 February 2026"}, "Enter a date such as 14 March 2026."),
        ({"verb": "credential.forged"}, "Select a valid choice."),
        ({"since": "2 March 2026", "until": "1 March 2026"}, "on or after the first one"),
        ({"actor": "x" * 300}, "at most 254 characters"),
    ],
)
def test_bad_filters_are_form_errors_not_failures(client, world, query, error):
    client.force_login(world["a"]["learner"])

    response = client.get(URL, query)

    assert response.status_code == 200
    assert error in response.text
    assert sentences(response) == []
    assert "Correct the filters above" in response.text


@pytest.mark.parametrize("page", ["0", "-1", "999", "two", "1.5"])
def test_any_page_number_shows_a_page(client, world, page):
    client.force_login(world["a"]["learner"])
    response = client.get(URL, {"page": page})
    assert response.status_code == 200
    assert len(sentences(response)) == 1


def test_the_log_is_paginated(client, learner):
    for number in range(30):
        _evidence_added(learner, title=f"Item {number}")
    client.force_login(learner)

    first = client.get(URL)
    second = client.get(URL, {"page": "2"})

    assert [name for _w, _l, name, _u in sentences(first)][:2] == ["Item 29", "Item 28"]
    assert len(sentences(first)) == 25
    assert [name for _w, _l, name, _u in sentences(second)] == [
        f"Item {n}" for n in range(4, -1, -1)
    ]


# --- Queries ---------------------------------------------------------------------------------


def test_the_query_count_does_not_grow_with_the_events(
    client, world, django_assert_max_num_queries
):
    a = world["a"]
    client.force_login(a["staff"])
    with django_assert_max_num_queries(10) as few:
        client.get(URL)
    assessments_draft_to_submitted(a)
    for number in range(5):
        _evidence_added(a["learner"], title=f"Item {number}")
    with django_assert_max_num_queries(10) as many:
        response = client.get(URL)
    assert len(sentences(response)) == 4
    assert len(many.captured_queries) == len(few.captured_queries)


def assessments_draft_to_submitted(cast):
    """Answer every criterion of the cast's draft and submit it."""
    learner, application = cast["learner"], cast["application"]
    for criterion in cast["micro_credential"].criteria_set.all():
        item = EvidenceItemFactory(owner=learner, link=True)
        applying.save_response(
            application_id=application.pk,
            by=learner,
            criterion_id=criterion.pk,
            statement="How I meet it.",
            self_assessed_level_id=None,
            evidence_item_ids=[item.pk],
        )
    applying.submit_application(application_id=application.pk, by=learner)


def test_every_declared_verb_reads_as_words(db):
    for event_type in list_declared_events():
        label = str(event_type.label)
        assert label.strip(), event_type.verb
        assert label != event_type.verb
    assert ("application.approved", "approved an application") in list_verb_choices()


def test_the_kind_filter_lists_verbs_in_the_order_of_their_words(db):
    choices = list_verb_choices()
    labels = [label.lower() for _verb, label in choices]
    assert labels == sorted(labels)
    assert len(choices) == len(list_declared_events())
    # Sorted by the dotted verbs instead, the list would read in another order.
    assert [verb for verb, _label in choices] != sorted(verb for verb, _label in choices)


def test_a_role_change_reads_as_a_sentence_for_the_person_changed(client, learner):
    admin = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    change_role(by=admin, user_id=learner.pk, role=User.Role.ASSESSOR)
    learner.refresh_from_db()
    client.force_login(learner)

    response = client.get(URL)

    assert sentences(response) == [(admin.email, "changed a user's role", "you", "")]
    assert "changed a user&#x27;s role: you" in " ".join(response.text.split())


def test_issuer_staff_read_their_publishing_linked_to_the_page_and_others_do_not(client, world):
    a, b = world["a"], world["b"]
    draft = MicroCredentialFactory(issuer=a["micro_credential"].issuer, status="draft")
    retire_micro_credential(micro_credential_id=a["micro_credential"].pk, by=a["staff"])
    publish_micro_credential(micro_credential_id=draft.pk, by=a["staff"])
    page_of = reverse("credentials:micro-credential-detail", args=[draft.slug])

    client.force_login(a["staff"])
    mine = sentences(client.get(URL, {"verb": "micro_credential.published"}))
    client.force_login(b["staff"])
    theirs = client.get(URL)

    assert mine == [(a["staff"].email, "published a micro-credential", draft.title, page_of)]
    assert draft.title not in theirs.text
    assert "Credential B" in theirs.text


def test_a_profile_reads_by_its_name_and_links_only_its_owner_to_editing_it(learner):
    learner.profile.display_name = "Sam Rivers"
    learner.profile.save()
    nameless = UserFactory(email="nameless@example.com")
    nameless.profile.display_name = ""
    nameless.profile.save()
    ids = [learner.profile.pk, nameless.profile.pk]

    for_owner = describe_profiles(learner, ids)
    for_other = describe_profiles(nameless, ids)

    assert for_owner[learner.profile.pk] == TargetLink(
        name="Sam Rivers", url=reverse("portfolio:profile-edit")
    )
    assert for_other[learner.profile.pk] == TargetLink(name="Sam Rivers", url="")
    assert for_owner[nameless.profile.pk] == TargetLink(name="a profile", url="")

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portfolio.errors import CurationError
from portfolio.models import Event, EvidenceItem
from portfolio.services.curation import curate_portfolio, unpublish_evidence
from tests.factories import EvidenceItemFactory, UserFactory

URL = "/me/portfolio/"
NOT_YOURS = "Some of the chosen items are not in your evidence library, so nothing was changed."


def state(owner):
    return list(
        EvidenceItem.objects.filter(owner=owner)
        .order_by("pk")
        .values_list("title", "is_public", "public_position")
    )


def rows_for(items, chosen):
    """POST data for the curation table: `chosen` maps item to a position (or "" for none)."""
    data = {
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "5000",
    }
    for index, item in enumerate(items):
        data[f"items-{index}-item_id"] = str(item.pk)
        if item in chosen:
            data[f"items-{index}-is_public"] = "on"
            data[f"items-{index}-position"] = str(chosen[item])
    return data


@pytest.fixture
def library(learner):
    return [
        EvidenceItemFactory(owner=learner, title="Essay"),
        EvidenceItemFactory(owner=learner, title="Photo", image=True),
        EvidenceItemFactory(owner=learner, title="Site", link=True),
        EvidenceItemFactory(
            owner=learner, title="Report", pdf=True, public=True, public_position=1
        ),
    ]


def test_curation_sets_exactly_the_chosen_items_in_the_chosen_order(learner, library):
    essay, _photo, site, _report = library
    result = curate_portfolio(by=learner, public_item_ids_in_order=[site.pk, essay.pk])
    assert [item.title for item in result] == ["Site", "Essay"]
    assert state(learner) == [
        ("Essay", True, 2),
        ("Photo", False, 0),
        ("Site", True, 1),
        ("Report", False, 0),
    ]


def test_curation_with_no_ids_hides_everything(learner, library):
    curate_portfolio(by=learner, public_item_ids_in_order=[])
    assert not EvidenceItem.objects.filter(owner=learner, is_public=True).exists()
    # Hidden, not gone.
    assert EvidenceItem.objects.filter(owner=learner).count() == len(library)


def test_curation_refuses_another_learners_item_and_changes_nothing(
    learner, other_learner, library
):
    theirs = EvidenceItemFactory(owner=other_learner, title="Theirs")
    before = state(learner)
    with pytest.raises(CurationError) as caught:
        curate_portfolio(by=learner, public_item_ids_in_order=[library[0].pk, theirs.pk])
    assert str(caught.value) == NOT_YOURS
    assert state(learner) == before
    assert state(other_learner) == [("Theirs", False, 0)]


def test_curation_refuses_an_unknown_id_with_the_same_message(learner, library):
    with pytest.raises(CurationError) as caught:
        curate_portfolio(by=learner, public_item_ids_in_order=[999_999])
    assert str(caught.value) == NOT_YOURS


def test_curation_refuses_a_repeated_id(learner, library):
    before = state(learner)
    with pytest.raises(CurationError) as caught:
        curate_portfolio(by=learner, public_item_ids_in_order=[library[0].pk, library[0].pk])
    assert str(caught.value) == "Each item can appear only once on your public page."
    assert state(learner) == before


@pytest.mark.parametrize("count", [4, 12])
def test_curation_runs_one_read_one_update_and_its_event_whatever_the_size(learner, count):
    items = EvidenceItemFactory.create_batch(count, owner=learner)
    with CaptureQueriesContext(connection) as queries:
        curate_portfolio(by=learner, public_item_ids_in_order=[i.pk for i in reversed(items)])
    # The test's own transaction turns the service's into a savepoint; leave those out.
    statements = [query["sql"].split()[0] for query in queries if "SAVEPOINT" not in query["sql"]]
    assert statements == ["SELECT", "UPDATE", "INSERT"]
    [insert] = [query["sql"] for query in queries if query["sql"].startswith("INSERT")]
    assert "portfolio_event" in insert
    assert [item.public_position for item in EvidenceItem.objects.order_by("pk")] == list(
        range(count, 0, -1)
    )


def test_curation_page_lists_every_own_item_public_ones_first(
    client, learner, other_learner, library
):
    EvidenceItemFactory(owner=other_learner, title="Not mine")
    client.force_login(learner)
    response = client.get(URL)
    text = response.text
    assert text.index("Report") < text.index("Site") < text.index("Photo") < text.index("Essay")
    assert "Not mine" not in text
    assert 'aria-label="Show “Report” on the public page"' in text
    assert f'src="/evidence/{library[1].pk}/thumbnail/"' in text
    assert "Your profile is private, so nobody else can see your public page yet." in text
    assert 'href="/me/profile/">Make your profile public</a>' in text


def test_curation_page_shows_the_public_address_when_public(client, public_learner):
    client.force_login(public_learner)
    response = client.get(URL)
    assert 'href="/p/public-learner/">http://testserver/p/public-learner/</a>' in response.text


def test_saving_the_table_applies_ticks_and_positions(client, learner, library):
    essay, photo, site, _report = library
    client.force_login(learner)
    response = client.post(URL, rows_for(library, {photo: 2, site: 1, essay: ""}), follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Saved. Your public page shows 3 items, in the order you chose.",
        "Your profile is private: make it public to share this page.",
    ]
    assert state(learner) == [
        ("Essay", True, 3),
        ("Photo", True, 2),
        ("Site", True, 1),
        ("Report", False, 0),
    ]


def test_saving_with_nothing_ticked_says_the_page_is_empty(client, public_learner):
    item = EvidenceItemFactory(owner=public_learner, public=True, public_position=1)
    client.force_login(public_learner)
    response = client.post(URL, rows_for([item], {}), follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Saved. Your public page shows no evidence."
    ]
    assert state(public_learner) == [(item.title, False, 0)]


def test_posting_another_learners_item_id_is_refused_and_changes_nothing(
    client, learner, other_learner, library
):
    theirs = EvidenceItemFactory(owner=other_learner, title="Theirs")
    before = state(learner)
    client.force_login(learner)
    response = client.post(
        URL, rows_for([*library, theirs], {theirs: 1, library[0]: 2}), follow=True
    )
    assert [str(m) for m in response.context["messages"]] == [NOT_YOURS]
    assert state(learner) == before
    assert state(other_learner) == [("Theirs", False, 0)]


def test_an_invalid_position_is_shown_and_nothing_is_saved(client, learner, library):
    before = state(learner)
    client.force_login(learner)
    response = client.post(URL, rows_for(library, {library[0]: 0}))
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "Some positions need correcting; nothing was saved yet."
    ]
    assert response.context["formset"].errors[0] == {
        "position": ["Ensure this value is greater than or equal to 1."]
    }
    assert state(learner) == before


def test_an_empty_library_invites_the_first_item(client, learner):
    client.force_login(learner)
    response = client.get(URL)
    assert "Your evidence library is empty, so there is nothing to show yet." in response.text


def test_every_row_control_has_a_label_naming_its_item(client, learner):
    from tests.factories import EvidenceItemFactory

    item = EvidenceItemFactory(owner=learner, title="Sales dashboard")
    client.force_login(learner)
    page = client.get("/me/portfolio/").text
    assert "Show “Sales dashboard” on the public page</label>" in page
    assert "Position of “Sales dashboard”</label>" in page
    assert page.count('<label class="visually-hidden" for="id_items-0-') == 2
    assert item.pk


# --- Taking an item down (site administrators, from the admin) -------------------------------


def test_an_administrator_takes_one_item_off_a_page_and_the_rest_keep_their_order(learner):
    admin = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    _first, second, _third = (
        EvidenceItemFactory(owner=learner, title=title, public=True, public_position=position)
        for position, title in enumerate(["First", "Second", "Third"], start=1)
    )

    taken_down = unpublish_evidence(by=admin, item_id=second.pk)
    unpublish_evidence(by=admin, item_id=second.pk)  # already hidden: nothing more

    # The item handed back is as stored, for the admin's message and redirect.
    assert (taken_down.is_public, taken_down.public_position) == (False, 0)
    assert state(learner) == [("First", True, 1), ("Second", False, 0), ("Third", True, 3)]
    [event] = Event.objects.all()
    assert (event.verb, event.actor, event.owner, event.target_id) == (
        "evidence.unpublished",
        admin,
        learner,
        second.pk,
    )


@pytest.mark.parametrize("who", ["learner", "other_learner", "issuer_staff"])
def test_only_site_administrators_take_items_down(request, who, learner):
    item = EvidenceItemFactory(owner=learner, title="Shown", public=True, public_position=1)

    with pytest.raises(CurationError, match="Only site administrators"):
        unpublish_evidence(by=request.getfixturevalue(who), item_id=item.pk)

    assert state(learner) == [("Shown", True, 1)]
    assert not Event.objects.exists()

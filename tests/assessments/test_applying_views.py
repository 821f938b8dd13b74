import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from assessments.exceptions import ApplicationNotAllowed
from assessments.models import Application, SubmittedStatement
from assessments.selectors import list_history
from assessments.services import applying, reviewing
from tests.assessments.conftest import scores_at
from tests.factories import EvidenceItemFactory, MicroCredentialFactory


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def url(name, application):
    return reverse(f"assessments:application-{name}", args=[application.pk])


def start_url(micro_credential):
    return reverse("assessments:application-start", args=[micro_credential.slug])


def answers(application, by_title):
    """A POST body answering each criterion, given {title: (statement, level name, items)}."""
    data = {}
    for response in application.responses.select_related("criterion"):
        criterion = response.criterion
        statement, level_name, items = by_title.get(criterion.title, ("", None, []))
        prefix = f"criterion-{criterion.pk}"
        data[f"{prefix}-statement"] = statement
        data[f"{prefix}-self_assessed_level_id"] = (
            criterion.levels.get(name=level_name).pk if level_name else ""
        )
        data[f"{prefix}-evidence_item_ids"] = [item.pk for item in items]
    return data


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def new_draft(learner, micro_credential):
    """A draft with nothing written yet."""
    return applying.start_application(by=learner, micro_credential_id=micro_credential.pk)


@pytest.fixture
def library(learner):
    return {
        "report": EvidenceItemFactory(owner=learner, title="Sales dashboard report", pdf=True),
        "photo": EvidenceItemFactory(owner=learner, title="Workshop whiteboard", image=True),
        "notes": EvidenceItemFactory(owner=learner, title="What I learned presenting"),
    }


# --- Starting


def test_learner_starts_an_application_and_lands_on_its_edit_page(signed_in, micro_credential):
    response = signed_in.post(start_url(micro_credential))

    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("edit", application)
    assert application.status == Application.Status.DRAFT
    assert application.responses.count() == 2
    assert messages_of(response) == [
        f"Started your application for {micro_credential.title}. Write a statement and link "
        "evidence for each criterion, then submit it."
    ]


def test_starting_again_leads_to_the_open_draft(signed_in, new_draft, micro_credential):
    response = signed_in.post(start_url(micro_credential))

    assert response["Location"] == url("edit", new_draft)
    assert messages_of(response) == [
        f"You already have an open application for {micro_credential.title}."
    ]
    assert Application.objects.count() == 1


def test_starting_again_while_submitted_leads_to_its_status_page(
    signed_in, submitted, micro_credential
):
    response = signed_in.post(start_url(micro_credential))

    assert response["Location"] == url("detail", submitted)
    assert Application.objects.count() == 1


def test_holder_of_a_valid_credential_is_sent_back_with_the_reason(
    signed_in, in_review, assessor, micro_credential
):
    reviewing.approve_application(
        application_id=in_review.pk, by=assessor, scores=scores_at(micro_credential, 2)
    )

    response = signed_in.post(start_url(micro_credential))

    assert response["Location"] == reverse(
        "credentials:micro-credential-detail", args=[micro_credential.slug]
    )
    assert messages_of(response) == [
        f"You already hold a valid credential for {micro_credential.title}."
    ]
    assert Application.objects.count() == 1


def test_a_draft_micro_credential_answers_its_apply_url_like_an_unknown_slug(
    signed_in, micro_credential
):
    draft = MicroCredentialFactory(status="draft")

    draft_response = signed_in.post(start_url(draft))
    unknown_response = signed_in.post(
        reverse("assessments:application-start", args=["no-such-micro-credential"])
    )

    assert draft_response.status_code == unknown_response.status_code == 404
    assert not Application.objects.exists()
    # The same learner applies for a published one at once: the 404 is about the draft.
    assert signed_in.post(start_url(micro_credential)).status_code == 302
    assert Application.objects.get().micro_credential == micro_credential


def test_a_retired_micro_credential_cannot_be_applied_for(signed_in):
    retired = MicroCredentialFactory(status="retired")

    response = signed_in.post(start_url(retired))

    assert response["Location"] == reverse(
        "credentials:micro-credential-detail", args=[retired.slug]
    )
    assert messages_of(response) == ["This micro-credential is not open for applications."]
    assert not Application.objects.exists()


@pytest.mark.parametrize("role", ["assessor", "employer", "issuer_staff"])
def test_only_learners_can_start_an_application(client, request, role, micro_credential):
    client.force_login(request.getfixturevalue(role))

    response = client.post(start_url(micro_credential))

    assert response.status_code == 404
    assert not Application.objects.exists()


def test_anonymous_visitor_is_asked_to_log_in_before_applying(client, micro_credential):
    response = client.post(start_url(micro_credential))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")
    assert not Application.objects.exists()


def test_starting_needs_a_post(signed_in, micro_credential):
    response = signed_in.get(start_url(micro_credential))

    assert response.status_code == 405
    assert not Application.objects.exists()


# --- Editing


def test_edit_page_shows_each_criterion_with_its_rubric_and_the_library(
    signed_in, new_draft, library
):
    response = signed_in.get(url("edit", new_draft))

    page = response.text
    assert "1. Clarity" in page
    assert "2. Use of evidence" in page
    assert "Clarity of the work." in page
    assert page.count("Exceeds") >= 2
    assert "0 of 2" in page
    for item in library.values():
        assert item.title in page
    thumbnail = reverse("portfolio:evidence-thumbnail", args=[library["photo"].pk])
    assert page.count(f'src="{thumbnail}"') == 2


def test_saving_the_draft_stores_every_criterion(signed_in, new_draft, library):
    data = answers(
        new_draft,
        {
            "Clarity": ("My dashboard explains the trend.", "Meets", [library["report"]]),
            "Use of evidence": (
                "Photos of the workshop.",
                "Exceeds",
                [library["photo"], library["notes"]],
            ),
        },
    )

    response = signed_in.post(url("edit", new_draft), data)

    assert response["Location"] == url("edit", new_draft)
    assert messages_of(response) == ["Saved your draft."]
    saved = {
        r.criterion.title: (
            r.statement,
            r.self_assessed_level.name,
            {item.title for item in r.evidence_items.all()},
        )
        for r in new_draft.responses.select_related("criterion", "self_assessed_level")
    }
    assert saved == {
        "Clarity": ("My dashboard explains the trend.", "Meets", {"Sales dashboard report"}),
        "Use of evidence": (
            "Photos of the workshop.",
            "Exceeds",
            {"Workshop whiteboard", "What I learned presenting"},
        ),
    }
    page = signed_in.get(url("edit", new_draft)).text
    assert "2 of 2" in page
    assert "My dashboard explains the trend." in page


def test_someone_elses_evidence_is_refused_with_the_services_message(
    signed_in, new_draft, library, other_learner
):
    foreign = EvidenceItemFactory(owner=other_learner, title="Not mine")
    data = answers(
        new_draft,
        {
            "Clarity": ("Borrowed work.", None, [foreign]),
            "Use of evidence": ("My own photos.", None, [library["photo"]]),
        },
    )

    response = signed_in.post(url("edit", new_draft), data)

    assert response.status_code == 200
    assert "Evidence can only come from your own library." in response.text
    assert "Borrowed work." in response.text
    assert [str(m) for m in response.context["messages"]] == [
        "Some answers were not saved. Check the criteria marked below."
    ]
    saved = dict(new_draft.responses.values_list("criterion__title", "statement"))
    assert saved == {"Clarity": "", "Use of evidence": "My own photos."}


def test_add_evidence_saves_first_then_opens_the_library_form(signed_in, new_draft):
    data = answers(new_draft, {"Clarity": ("Half written.", None, [])})
    data["add_evidence"] = "image"

    response = signed_in.post(url("edit", new_draft), data)

    create = reverse("portfolio:evidence-create", args=["image"])
    assert response["Location"] == f"{create}?next=%2Fapplications%2F{new_draft.pk}%2Fedit%2F"
    assert new_draft.responses.get(criterion__title="Clarity").statement == "Half written."


def test_a_submitted_application_cannot_be_edited(signed_in, submitted):
    response = signed_in.get(url("edit", submitted))

    assert response["Location"] == url("detail", submitted)
    assert messages_of(response) == ["An application that is submitted cannot be edited."]


# --- Submitting


def test_submitting_an_incomplete_application_keeps_the_text(signed_in, new_draft, library):
    data = answers(
        new_draft,
        {
            "Clarity": ("The clear part.", "Meets", [library["report"]]),
            "Use of evidence": ("Evidence still to come.", None, []),
        },
    )

    response = signed_in.post(url("submit", new_draft), data, follow=True)

    assert response.redirect_chain == [(url("edit", new_draft), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Each criterion needs a statement and at least one piece of evidence. "
        "Still to do: Use of evidence.",
        "Your answers are saved as a draft.",
    ]
    assert "Evidence still to come." in response.text
    assert "The clear part." in response.text
    new_draft.refresh_from_db()
    assert new_draft.status == Application.Status.DRAFT


def test_submitting_a_complete_application(signed_in, new_draft, library, micro_credential):
    data = answers(
        new_draft,
        {
            "Clarity": ("The report.", "Meets", [library["report"]]),
            "Use of evidence": ("The photo.", "Meets", [library["photo"]]),
        },
    )

    response = signed_in.post(url("submit", new_draft), data)

    assert response["Location"] == url("detail", new_draft)
    assert messages_of(response) == [
        f"Submitted your application for {micro_credential.title}. "
        "We will tell you when an assessor takes it."
    ]
    new_draft.refresh_from_db()
    assert new_draft.status == Application.Status.SUBMITTED
    assert new_draft.round == 1
    assert set(
        SubmittedStatement.objects.filter(application=new_draft).values_list(
            "criterion__title", "statement"
        )
    ) == {("Clarity", "The report."), ("Use of evidence", "The photo.")}


def test_submitting_a_saved_draft_without_posting_answers(signed_in, draft):
    response = signed_in.post(url("submit", draft))

    assert response["Location"] == url("detail", draft)
    draft.refresh_from_db()
    assert draft.status == Application.Status.SUBMITTED
    assert draft.responses.get(criterion__title="Clarity").statement == "How I meet Clarity."


def test_an_application_in_review_cannot_be_submitted_again(signed_in, in_review):
    response = signed_in.post(url("submit", in_review))

    assert response["Location"] == url("detail", in_review)
    assert messages_of(response) == ["An application that is in review cannot be edited."]
    in_review.refresh_from_db()
    assert in_review.status == Application.Status.IN_REVIEW


def test_learner_sees_the_requested_changes_and_resubmits(
    signed_in, in_review, assessor, learner, micro_credential
):
    clarity, use = micro_credential.criteria_set.order_by("position")
    scores = scores_at(micro_credential, 1)
    scores[clarity.pk] = reviewing.ScoreInput(
        level_id=clarity.levels.get(name="Not yet").pk, comment="Label the axes of the chart."
    )
    reviewing.request_changes(
        application_id=in_review.pk,
        by=assessor,
        scores=scores,
        feedback="Nearly there: show who the audience was.",
    )

    page = signed_in.get(url("edit", in_review)).text
    assert "The assessor asked for changes" in page
    assert "Nearly there: show who the audience was." in page
    assert "Label the axes of the chart." in page
    assert "Assessor\N{RIGHT SINGLE QUOTATION MARK}s level:</strong> Not yet" in page
    assert "How I meet Clarity." in page

    chart = EvidenceItemFactory(owner=learner, title="Chart with labelled axes", image=True)
    data = answers(
        in_review,
        {
            "Clarity": ("Now with labelled axes, for the sales team.", "Meets", [chart]),
            "Use of evidence": (
                "How I meet Use of evidence.",
                "Meets",
                list(in_review.responses.get(criterion=use).evidence_items.all()),
            ),
        },
    )
    response = signed_in.post(url("submit", in_review), data)

    assert response["Location"] == url("detail", in_review)
    in_review.refresh_from_db()
    assert in_review.status == Application.Status.RESUBMITTED
    assert in_review.round == 2
    resubmitted = SubmittedStatement.objects.get(application=in_review, round=2, criterion=clarity)
    assert resubmitted.statement == "Now with labelled axes, for the sales team."
    assert [e.title for e in resubmitted.evidence.all()] == ["Chart with labelled axes"]


# --- Withdrawing


def test_withdraw_asks_for_confirmation(signed_in, submitted, micro_credential):
    response = signed_in.get(url("withdraw", submitted))

    assert f"Withdraw your application for {micro_credential.title}?" in response.text
    assert "Why are you withdrawing? (optional)" in response.text
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUBMITTED


def test_withdrawing_with_a_comment(signed_in, submitted, learner, micro_credential):
    response = signed_in.post(url("withdraw", submitted), {"comment": "Found a better course."})

    assert response["Location"] == url("detail", submitted)
    assert messages_of(response) == [f"Withdrew your application for {micro_credential.title}."]
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.WITHDRAWN
    step = list_history(application=submitted)[-1]
    assert (step.actor, step.from_status, step.to_status, step.comment) == (
        learner,
        Application.Status.SUBMITTED,
        Application.Status.WITHDRAWN,
        "Found a better course.",
    )


def test_a_decided_application_cannot_be_withdrawn(
    signed_in, in_review, assessor, micro_credential
):
    reviewing.approve_application(
        application_id=in_review.pk, by=assessor, scores=scores_at(micro_credential, 2)
    )

    response = signed_in.post(url("withdraw", in_review), {"comment": "Too late."})

    assert response["Location"] == url("detail", in_review)
    assert messages_of(response) == ["An application that is approved can no longer be withdrawn."]
    in_review.refresh_from_db()
    assert in_review.status == Application.Status.APPROVED


# --- Only the learner's own applications


PAGES = [
    ("get", "detail"),
    ("get", "edit"),
    ("post", "edit"),
    ("post", "submit"),
    ("get", "withdraw"),
    ("post", "withdraw"),
]


@pytest.mark.parametrize(("method", "name"), PAGES)
@pytest.mark.parametrize("who", ["other_learner", "assessor", "issuer_staff", "employer"])
def test_nobody_else_can_open_a_learners_application(client, request, draft, method, name, who):
    client.force_login(request.getfixturevalue(who))

    response = getattr(client, method)(url(name, draft), {"comment": "Not mine to withdraw."})

    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.status == Application.Status.DRAFT


@pytest.mark.parametrize(("method", "name"), PAGES)
def test_the_assigned_assessor_cannot_use_the_learners_pages(
    client, assessor, submitted, method, name
):
    client.force_login(assessor)

    response = getattr(client, method)(url(name, submitted))

    assert response.status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUBMITTED


@pytest.mark.parametrize(("method", "name"), PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, draft, method, name):
    response = getattr(client, method)(url(name, draft))

    login = reverse("account_login")
    assert response.status_code == 302
    assert response["Location"] == f"{login}?next={url(name, draft)}"
    draft.refresh_from_db()
    assert draft.status == Application.Status.DRAFT


def test_a_criterion_missing_from_the_post_is_left_as_it_was(signed_in, draft, library):
    data = answers(draft, {"Clarity": ("Rewritten.", None, [library["report"]])})
    use_of_evidence = draft.responses.get(criterion__title="Use of evidence")
    for key in [k for k in data if k.startswith(f"criterion-{use_of_evidence.criterion_id}-")]:
        del data[key]

    signed_in.post(url("edit", draft), data)

    saved = dict(draft.responses.values_list("criterion__title", "statement"))
    assert saved == {"Clarity": "Rewritten.", "Use of evidence": "How I meet Use of evidence."}


def test_an_overlong_withdrawal_comment_is_refused(signed_in, submitted):
    response = signed_in.post(url("withdraw", submitted), {"comment": "x" * 2001})

    assert response.status_code == 200
    assert "Ensure this value has at most 2000 characters (it has 2001)." in response.text
    assert [str(m) for m in response.context["messages"]] == [
        "The application was not withdrawn. Check the comment below."
    ]
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUBMITTED


# --- A name before submitting


NAME_NEEDED = (
    "Add your name to your profile before you submit: it is the name a credential is awarded to."
)


def test_a_learner_without_a_name_cannot_submit_and_keeps_the_answers(
    signed_in, learner, new_draft, library
):
    learner.profile.display_name = ""
    learner.profile.save()
    data = answers(
        new_draft,
        {
            "Clarity": ("The report.", "Meets", [library["report"]]),
            "Use of evidence": ("The photo.", "Meets", [library["photo"]]),
        },
    )

    response = signed_in.post(url("submit", new_draft), data, follow=True)

    assert response.redirect_chain == [(url("edit", new_draft), 302)]
    assert NAME_NEEDED in response.text
    assert "Your answers are saved as a draft." in response.text
    assert "<strong>Add your name before you submit.</strong>" in response.text
    assert '<a href="/me/profile/">Add your name to your profile</a>' in response.text
    new_draft.refresh_from_db()
    assert new_draft.status == Application.Status.DRAFT
    assert new_draft.responses.get(criterion__title="Clarity").statement == "The report."


def test_the_edit_page_asks_for_a_name_only_when_there_is_none(signed_in, learner, new_draft):
    page = signed_in.get(url("edit", new_draft))
    assert "criteria ready to submit." in page.text
    assert "Add your name before you submit." not in page.text

    learner.profile.display_name = ""
    learner.profile.save()
    page = signed_in.get(url("edit", new_draft))
    assert "Add your name before you submit." in page.text


def test_the_service_refuses_to_submit_for_a_nameless_learner(learner, draft):
    learner.profile.display_name = ""
    learner.profile.save()
    with pytest.raises(ApplicationNotAllowed) as refused:
        applying.submit_application(application_id=draft.pk, by=learner)
    assert refused.value.message == NAME_NEEDED
    assert refused.value.code == "application.name_missing"
    draft.refresh_from_db()
    assert draft.status == Application.Status.DRAFT

    learner.profile.display_name = "Kim Baptiste"
    learner.profile.save()
    applying.submit_application(application_id=draft.pk, by=learner)
    draft.refresh_from_db()
    assert draft.status == Application.Status.SUBMITTED


# --- The micro-credential's page while an application is open


def detail_url(micro_credential):
    return reverse("credentials:micro-credential-detail", args=[micro_credential.slug])


def continue_link(page):
    match = re.search(
        r'<a class="button" href="([^"]+)">Continue your application \(([^)]+)\)</a>', page
    )
    return match.groups() if match else None


def test_the_page_offers_to_apply_when_nothing_is_open(signed_in, micro_credential):
    page = signed_in.get(detail_url(micro_credential)).text
    assert "Apply for this micro-credential</button>" in page
    assert continue_link(page) is None


def test_a_draft_is_continued_on_its_edit_page(signed_in, new_draft, micro_credential):
    page = signed_in.get(detail_url(micro_credential)).text
    assert continue_link(page) == (url("edit", new_draft), "draft")
    assert "Apply for this micro-credential" not in page


def test_a_submitted_application_is_followed_on_its_status_page(
    signed_in, submitted, micro_credential
):
    page = signed_in.get(detail_url(micro_credential)).text
    assert continue_link(page) == (url("detail", submitted), "submitted")
    assert "Apply for this micro-credential" not in page


def test_changes_requested_are_continued_on_the_edit_page(
    signed_in, in_review, assessor, micro_credential, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reviewing.request_changes(
            application_id=in_review.pk,
            by=assessor,
            scores=scores_at(micro_credential, 1),
            feedback="Label the axes.",
        )
    page = signed_in.get(detail_url(micro_credential)).text
    assert continue_link(page) == (url("edit", in_review), "changes requested")
    assert "Apply for this micro-credential" not in page


def test_a_withdrawn_application_lets_the_learner_apply_again(
    signed_in, learner, submitted, micro_credential
):
    applying.withdraw_application(application_id=submitted.pk, by=learner)
    page = signed_in.get(detail_url(micro_credential)).text
    assert "Apply for this micro-credential</button>" in page
    assert continue_link(page) is None


def test_another_learners_open_application_changes_nothing(
    client, other_learner, submitted, micro_credential
):
    client.force_login(other_learner)
    page = client.get(detail_url(micro_credential)).text
    assert "Apply for this micro-credential</button>" in page
    assert continue_link(page) is None


def test_the_evidence_checklist_uses_the_sites_kind_icons(signed_in, new_draft, library):
    page = signed_in.get(url("edit", new_draft)).text
    for kind in ("file", "reflection"):
        assert (
            '<img class="evidence-option-thumb evidence-option-icon" '
            f'src="/static/img/kinds/{kind}.svg" alt="">'
        ) in page
    for emoji in ("📄", "🖼", "🔗", "✍", "📎"):
        assert emoji not in page

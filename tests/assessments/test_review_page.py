import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from assessments.models import Application, Review
from assessments.services import applying, reviewing
from credentials.models import IssuedCredential
from tests.assessments.conftest import scores_at
from tests.assessments.test_queue import messages_of
from tests.factories import EvidenceItemFactory, MicroCredentialFactory, SkillFactory, UserFactory

QUEUE_URL = reverse("assessments:queue")


def review_url(application):
    return reverse("assessments:review", args=[application.pk])


def file_url(evidence):
    return reverse("assessments:submitted-evidence-file", args=[evidence.pk])


def thumbnail_url(evidence):
    return reverse("assessments:submitted-evidence-thumbnail", args=[evidence.pk])


def save(application, learner, criterion, items, statement, level_position=2):
    applying.save_response(
        application_id=application.pk,
        by=learner,
        criterion_id=criterion.pk,
        statement=statement,
        self_assessed_level_id=criterion.levels.get(position=level_position).pk,
        evidence_item_ids=[item.pk for item in items],
    )


def decision_data(micro_credential, *, position, decision, feedback="", comment="Noted."):
    data = {"decision": decision, "feedback": feedback}
    for criterion in micro_credential.criteria_set.all():
        data[f"level_{criterion.pk}"] = criterion.levels.get(position=position).pk
        data[f"comment_{criterion.pk}"] = f"{comment} ({criterion.title})"
    return data


@pytest.fixture
def evidence(learner):
    skill = SkillFactory(name="Data visualisation")
    photo = EvidenceItemFactory(owner=learner, image=True, title="Dashboard photo")
    photo.skills.set([skill])
    return {
        "photo": photo,
        "report": EvidenceItemFactory(owner=learner, pdf=True, title="Findings report"),
        "site": EvidenceItemFactory(owner=learner, link=True, title="Published story"),
        "reflection": EvidenceItemFactory(
            owner=learner, title="What I learned", body="I **learned** to tell the story."
        ),
    }


@pytest.fixture
def rich(learner, micro_credential, evidence):
    """Claimed by the assessor: Clarity has the photo and the report, Use of evidence the
    link and the reflection."""
    application = applying.start_application(by=learner, micro_credential_id=micro_credential.pk)
    clarity, use = micro_credential.criteria_set.all()
    save(
        application,
        learner,
        clarity,
        [evidence["photo"], evidence["report"]],
        "My dashboard\nexplains the trend.",
    )
    save(
        application,
        learner,
        use,
        [evidence["site"], evidence["reflection"]],
        "I cite every source.",
        level_position=3,
    )
    applying.submit_application(application_id=application.pk, by=learner)
    return application


@pytest.fixture
def claimed(rich, assessor):
    return reviewing.claim_application(application_id=rich.pk, by=assessor)


@pytest.fixture
def as_assessor(client, assessor):
    client.force_login(assessor)
    return client


def frozen(application, title):
    return application.submitted_evidence.get(round=application.round, title=title)


# --- What the page shows


def test_review_page_shows_statements_and_self_assessment_per_criterion(
    as_assessor, claimed, micro_credential
):
    response = as_assessor.get(review_url(claimed))

    text = response.text
    assert "1. Clarity</h2>" in text
    assert "2. Use of evidence</h2>" in text
    assert "<p>My dashboard<br>explains the trend.</p>" in text
    assert "Self-assessed level: <strong>Meets</strong>" in text
    assert "Self-assessed level: <strong>Exceeds</strong>" in text
    assert claimed.learner.profile.display_name in text
    assert "Round 1" in text
    assert 'class="pill status-pill status-in_review">In review</span>' in text


def test_review_page_shows_each_kind_of_frozen_evidence(as_assessor, claimed):
    text = as_assessor.get(review_url(claimed)).text
    photo = frozen(claimed, "Dashboard photo")
    report = frozen(claimed, "Findings report")

    # The image: a thumbnail that links to the full size.
    assert (
        f'<a class="evidence-thumb-link" href="{file_url(photo)}" target="_blank" rel="noopener">'
        in text
    )
    assert f'<img class="evidence-thumb" src="{thumbnail_url(photo)}" alt="Dashboard photo"' in text
    assert '<li class="chip">Data visualisation</li>' in text
    # The PDF opens in the browser, in a new tab, labelled as a PDF.
    assert '<span class="pill pill-pdf">PDF</span>' in text
    assert (
        f'<a href="{file_url(report)}" target="_blank" rel="noopener">Open report.pdf</a>' in text
    )
    # The link goes out without passing on the page or our authority.
    assert (
        '<a href="https://example.org/my-work" target="_blank" '
        'rel="noopener nofollow noreferrer">https://example.org/my-work</a>'
    ) in text
    # The reflection is rendered Markdown.
    assert "<p>I <strong>learned</strong> to tell the story.</p>" in text


def test_other_files_are_download_links_with_their_type(as_assessor, learner, micro_credential):
    notes = EvidenceItemFactory(
        owner=learner,
        kind="file",
        body="",
        title="Meeting notes",
        file=ContentFile(b"# Notes\n", name="notes.md"),
        content_type="text/markdown",
        original_filename="notes.md",
    )
    application = applying.start_application(by=learner, micro_credential_id=micro_credential.pk)
    for criterion in micro_credential.criteria_set.all():
        save(application, learner, criterion, [notes], "See my notes.")
    application = applying.submit_application(application_id=application.pk, by=learner)

    text = as_assessor.get(review_url(application)).text

    snapshot = frozen(application, "Meeting notes")
    assert '<span class="pill">MD</span>' in text
    assert f'<a href="{file_url(snapshot)}" download>Download notes.md</a>' in text


def test_rubric_offers_a_level_per_criterion_with_the_required_level_marked(
    as_assessor, claimed, micro_credential
):
    text = as_assessor.get(review_url(claimed)).text
    for criterion in micro_credential.criteria_set.all():
        meets = criterion.levels.get(position=2)
        assert (
            f'<input type="radio" name="level_{criterion.pk}" value="{meets.pk}" required '
            f'id="id_level_{criterion.pk}_1">\n Meets (required to pass)'
        ) in text
        assert f'name="comment_{criterion.pk}"' in text
    assert 'name="feedback"' in text
    assert "Record decision" in text
    assert 'action="' + reverse("assessments:release", args=[claimed.pk]) + '"' in text


def test_history_is_at_the_bottom(as_assessor, claimed):
    text = as_assessor.get(review_url(claimed)).text
    assert text.index('id="history-heading"') > text.index("Record decision")
    assert "Submitted → <strong>In review</strong>" in text


# --- Who sees what


def test_an_assessor_who_has_not_claimed_it_sees_it_read_only(client, rich, other_assessor):
    client.force_login(other_assessor)
    text = client.get(review_url(rich)).text
    assert "Record decision" not in text
    assert 'class="review-form"' not in text
    assert "Claim this application to score it and decide." in text
    claim_url = reverse("assessments:claim", args=[rich.pk])
    assert f'<form method="post" action="{claim_url}" class="inline-form">' in text
    assert "Required to pass</span>" in text


def test_another_assessors_claim_leaves_the_page_read_only(client, claimed, other_assessor):
    client.force_login(other_assessor)
    text = client.get(review_url(claimed)).text
    assert "Record decision" not in text
    assert "Another assessor is reviewing this application." in text
    assert "Release to the queue" not in text


def test_a_decision_posted_by_a_non_claiming_assessor_is_refused(
    client, claimed, other_assessor, micro_credential
):
    client.force_login(other_assessor)
    response = client.post(
        review_url(claimed), decision_data(micro_credential, position=2, decision="approve")
    )
    assert messages_of(response) == ["Claim this application before deciding on it."]
    assert "Record decision" not in response.text
    claimed.refresh_from_db()
    assert claimed.status == Application.Status.IN_REVIEW
    assert not Review.objects.exists()
    assert not IssuedCredential.objects.exists()


def test_issuer_staff_of_the_issuer_see_the_page_read_only(client, rich, issuer_staff):
    rich.micro_credential.issuer.staff.add(issuer_staff)
    client.force_login(issuer_staff)
    response = client.get(review_url(rich))
    assert "What I learned" in response.text
    assert "Record decision" not in response.text
    assert "Claim for review" not in response.text
    assert "It is waiting in the queue for an assigned assessor." in response.text


@pytest.mark.parametrize("who", ["unassigned_assessor", "other_learner", "employer", "staff"])
def test_people_who_may_not_see_the_application_get_a_404(
    client, rich, who, other_learner, employer, issuer_staff
):
    user = {
        "unassigned_assessor": UserFactory(assessor=True),
        "other_learner": other_learner,
        "employer": employer,
        # Staff of another issuer.
        "staff": issuer_staff,
    }[who]
    client.force_login(user)
    assert client.get(review_url(rich)).status_code == 404


def test_the_learner_is_sent_to_their_own_application_page(client, rich, learner):
    client.force_login(learner)
    response = client.get(review_url(rich))
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:application-detail", args=[rich.pk])


# --- Decisions


def test_approve_issues_the_credential(as_assessor, claimed, assessor, micro_credential):
    response = as_assessor.post(
        review_url(claimed),
        decision_data(micro_credential, position=2, decision="approve", feedback="Well done."),
        follow=True,
    )

    assert response.redirect_chain == [(QUEUE_URL, 302)]
    learner_name = claimed.learner.profile.display_name
    assert messages_of(response) == [
        f"Approved. {learner_name} has been issued “{micro_credential.title}”."
    ]
    claimed.refresh_from_db()
    assert claimed.status == Application.Status.APPROVED
    credential = IssuedCredential.objects.get()
    assert claimed.credential == credential
    assert credential.assessor == assessor
    assert [r["comment"] for r in credential.rubric_results] == [
        "Noted. (Clarity)",
        "Noted. (Use of evidence)",
    ]


def test_approval_below_a_required_level_is_refused_and_keeps_the_input(
    as_assessor, claimed, micro_credential
):
    data = decision_data(micro_credential, position=2, decision="approve", feedback="Nearly.")
    clarity = micro_credential.criteria_set.get(title="Clarity")
    not_yet = clarity.levels.get(position=1)
    data[f"level_{clarity.pk}"] = not_yet.pk
    data[f"comment_{clarity.pk}"] = "The trend line is unlabelled."

    response = as_assessor.post(review_url(claimed), data)

    error = "Every criterion must reach its required level to approve. Below it: Clarity."
    assert response.status_code == 200
    assert messages_of(response) == [error]
    assert f'<div class="form-errors" role="alert"><ul class="errorlist nonfield"><li>{error}' in (
        response.text
    )
    # Nothing lost: the chosen level, the comment and the feedback are still there.
    assert re.search(rf'value="{not_yet.pk}"[^>]*checked', response.text)
    assert "The trend line is unlabelled.</textarea>" in response.text
    assert "Nearly.</textarea>" in response.text
    assert not IssuedCredential.objects.exists()
    assert not Review.objects.exists()
    claimed.refresh_from_db()
    assert claimed.status == Application.Status.IN_REVIEW


def test_request_changes_without_feedback_is_refused(as_assessor, claimed, micro_credential):
    response = as_assessor.post(
        review_url(claimed),
        decision_data(micro_credential, position=1, decision="request_changes"),
    )
    error = "Write feedback for the learner when you request changes."
    assert messages_of(response) == [error]
    assert error in response.text.split('decision-card"')[1]
    assert 'value="request_changes" required id="id_decision_1" checked' in response.text
    claimed.refresh_from_db()
    assert claimed.status == Application.Status.IN_REVIEW


def test_request_changes_sends_it_back_to_the_learner(as_assessor, claimed, micro_credential):
    response = as_assessor.post(
        review_url(claimed),
        decision_data(
            micro_credential,
            position=1,
            decision="request_changes",
            feedback="Say who the audience was.",
        ),
        follow=True,
    )
    learner_name = claimed.learner.profile.display_name
    assert messages_of(response) == [
        f"Changes requested. {learner_name} has been sent your feedback on "
        f"“{micro_credential.title}”."
    ]
    claimed.refresh_from_db()
    assert claimed.status == Application.Status.CHANGES_REQUESTED
    review = Review.objects.get()
    assert review.feedback == "Say who the audience was."
    assert review.decision == Review.Decision.REQUEST_CHANGES


def test_reject_without_feedback_is_refused(as_assessor, claimed, micro_credential):
    response = as_assessor.post(
        review_url(claimed), decision_data(micro_credential, position=1, decision="reject")
    )
    assert messages_of(response) == [
        "Write feedback for the learner when you reject an application."
    ]
    claimed.refresh_from_db()
    assert claimed.status == Application.Status.IN_REVIEW


def test_reject_records_the_decision(as_assessor, claimed, micro_credential):
    response = as_assessor.post(
        review_url(claimed),
        decision_data(
            micro_credential, position=1, decision="reject", feedback="Not a data story."
        ),
        follow=True,
    )
    learner_name = claimed.learner.profile.display_name
    assert messages_of(response) == [
        f"Rejected. {learner_name} has been sent your feedback on “{micro_credential.title}”."
    ]
    claimed.refresh_from_db()
    assert claimed.status == Application.Status.REJECTED
    assert not IssuedCredential.objects.exists()


def test_a_missing_level_or_decision_is_shown_by_its_field(as_assessor, claimed, micro_credential):
    data = decision_data(micro_credential, position=2, decision="approve")
    clarity = micro_credential.criteria_set.get(title="Clarity")
    del data[f"level_{clarity.pk}"]
    del data["decision"]

    response = as_assessor.post(review_url(claimed), data)

    assert messages_of(response) == [
        "Your decision was not recorded. Check the fields marked below."
    ]
    assert "Choose a level for “Clarity”." in response.text
    assert "Choose a decision." in response.text
    claimed.refresh_from_db()
    assert claimed.status == Application.Status.IN_REVIEW


def test_approving_twice_issues_one_credential(as_assessor, claimed, micro_credential):
    data = decision_data(micro_credential, position=3, decision="approve")
    first = as_assessor.post(review_url(claimed), data)
    second = as_assessor.post(review_url(claimed), data, follow=True)

    assert first.status_code == 302
    assert second.redirect_chain == [(QUEUE_URL, 302)]
    assert messages_of(second)[0].startswith("Approved.")
    assert IssuedCredential.objects.count() == 1
    assert Review.objects.count() == 1


def test_a_decided_application_shows_its_decision_read_only(
    as_assessor, claimed, assessor, micro_credential
):
    reviewing.approve_application(
        application_id=claimed.pk,
        by=assessor,
        scores=scores_at(micro_credential, 3),
        feedback="Excellent work.",
    )
    text = as_assessor.get(review_url(claimed)).text
    assert "Decision: Approve</h2>" in text
    assert "<p>Excellent work.</p>" in text
    assert text.count("Level given: <strong>Exceeds</strong>") == 2
    assert "Record decision" not in text


# --- A resubmission


@pytest.fixture
def resubmitted(claimed, learner, assessor, micro_credential, evidence):
    """Round 1 had photo + report (Clarity), link + reflection (Use of evidence).
    Round 2: the report changed, the link was dropped, a new spreadsheet was added and the
    Use of evidence statement was rewritten."""
    reviewing.request_changes(
        application_id=claimed.pk,
        by=assessor,
        scores=scores_at(micro_credential, 1),
        feedback="Label the axes and say who the audience was.",
    )
    report = evidence["report"]
    report.description = "Presented to the regional sales team."
    report.save()
    spreadsheet = EvidenceItemFactory(owner=learner, title="Model spreadsheet")
    clarity, use = micro_credential.criteria_set.all()
    save(
        claimed,
        learner,
        clarity,
        [evidence["photo"], report],
        "My dashboard\nexplains the trend.",
    )
    save(
        claimed,
        learner,
        use,
        [evidence["reflection"], spreadsheet],
        "I now cite every source, with page numbers.",
        level_position=3,
    )
    return applying.submit_application(application_id=claimed.pk, by=learner)


def test_a_resubmission_shows_what_changed_since_the_last_round(as_assessor, resubmitted, assessor):
    reviewing.claim_application(application_id=resubmitted.pk, by=assessor)

    response = as_assessor.get(review_url(resubmitted))

    text = response.text
    changes = text.split('id="changes-heading"')[1].split("</section>")[0]
    assert "What changed since round 1</h2>" in text
    assert "Round 1 decision: Request changes" in changes
    assert "<p>Label the axes and say who the audience was.</p>" in changes
    listed = re.findall(r'change-(\w+)">\w+</span> ([^<]+)</li>', changes)
    assert listed == [
        ("unchanged", "Dashboard photo"),
        ("changed", "Findings report"),
        ("new", "Model spreadsheet"),
        ("unchanged", "What I learned"),
        ("removed", "Published story"),
    ]
    use = resubmitted.micro_credential.criteria_set.get(title="Use of evidence")
    assert f'<a href="#criterion-{use.pk}">Use of evidence</a>' in changes
    assert "Clarity</a>" not in changes
    # The rewritten statement, with the previous round's beside it.
    assert "Round 1 statement</summary>" in text
    assert "<p>I cite every source.</p>" in text
    assert "Round 1 level: <strong>Not yet</strong>" in text
    assert '<span class="pill status-pill status-resubmitted">Resubmitted</span>' in text


def test_a_first_round_has_no_changes_section(as_assessor, claimed):
    response = as_assessor.get(review_url(claimed))
    text = response.text
    assert response.status_code == 200
    assert "1. Clarity</h2>" in text
    assert "Record decision" in text
    assert "What changed since" not in text
    assert "change-pill" not in text


def test_evidence_deleted_from_the_library_still_shows_and_matches_by_content(
    as_assessor, resubmitted, assessor, evidence
):
    # Deleting a library item unlinks its snapshots; unchanged content still pairs them up.
    evidence["photo"].delete()
    response = as_assessor.get(review_url(resubmitted))
    changes = response.text.split('id="changes-heading"')[1].split("</section>")[0]
    assert 'change-unchanged">Unchanged</span> Dashboard photo</li>' in changes


# --- Queries


def build_application(learner_email, criteria_count, assessor):
    """An application with `criteria_count` criteria, each with three kinds of evidence,
    resubmitted once (so both rounds and a previous review are read) and claimed."""
    learner = UserFactory(email=learner_email)
    micro_credential = MicroCredentialFactory(
        rubric=[f"Criterion {n}" for n in range(criteria_count)], assessors=[assessor]
    )
    application = applying.start_application(by=learner, micro_credential_id=micro_credential.pk)
    criteria = list(micro_credential.criteria_set.all())

    def answer(round_label):
        for criterion in criteria:
            items = [
                EvidenceItemFactory(owner=learner, image=True, title=f"{round_label} photo"),
                EvidenceItemFactory(owner=learner, pdf=True, title=f"{round_label} report"),
                EvidenceItemFactory(owner=learner, title=f"{round_label} reflection"),
            ]
            save(application, learner, criterion, items, f"{round_label}: {criterion.title}")

    answer("First")
    applying.submit_application(application_id=application.pk, by=learner)
    reviewing.claim_application(application_id=application.pk, by=assessor)
    reviewing.request_changes(
        application_id=application.pk,
        by=assessor,
        scores=scores_at(micro_credential, 1),
        feedback="More please.",
    )
    answer("Second")
    applying.submit_application(application_id=application.pk, by=learner)
    return reviewing.claim_application(application_id=application.pk, by=assessor)


def test_review_page_query_count_does_not_grow_with_criteria_or_evidence(
    as_assessor, assessor, django_assert_max_num_queries
):
    small = build_application("small@example.com", 2, assessor)
    large = build_application("large@example.com", 6, assessor)

    with django_assert_max_num_queries(16) as few:
        response = as_assessor.get(review_url(small))
    assert response.text.count('class="evidence-panel ') == 2 * 3
    with django_assert_max_num_queries(16) as many:
        response = as_assessor.get(review_url(large))
    assert response.text.count('class="evidence-panel ') == 6 * 3

    assert len(many.captured_queries) == len(few.captured_queries)

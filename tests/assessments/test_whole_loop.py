from django.core import mail
from django.urls import reverse

from assessments.models import Application
from assessments.selectors import list_history
from assessments.services import applying, reviewing
from credentials.models import IssuedCredential
from portfolio.models import Notification
from tests.assessments.conftest import scores_at
from tests.factories import EvidenceItemFactory

SITE = "http://127.0.0.1:8000"


def test_apply_review_resubmit_approve_issues_a_credential_and_emails_in_order(
    learner, assessor, micro_credential, django_capture_on_commit_callbacks
):
    def step(action, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(**kwargs)

    application = step(
        applying.start_application, by=learner, micro_credential_id=micro_credential.pk
    )
    photo = EvidenceItemFactory(owner=learner, image=True, title="Dashboard photo")
    report = EvidenceItemFactory(owner=learner, pdf=True, title="Findings report")
    for criterion, item in zip(micro_credential.criteria_set.all(), [photo, report], strict=True):
        step(
            applying.save_response,
            application_id=application.pk,
            by=learner,
            criterion_id=criterion.pk,
            statement=f"{item.title} shows {criterion.title.lower()}.",
            self_assessed_level_id=criterion.required_level_id,
            evidence_item_ids=[item.pk],
        )
    step(applying.submit_application, application_id=application.pk, by=learner)
    step(reviewing.claim_application, application_id=application.pk, by=assessor)
    step(
        reviewing.request_changes,
        application_id=application.pk,
        by=assessor,
        scores=scores_at(micro_credential, 1),
        feedback="Explain who the audience was.",
    )
    report.description = "Presented to the regional sales team."
    report.save()
    step(applying.submit_application, application_id=application.pk, by=learner)
    step(reviewing.claim_application, application_id=application.pk, by=assessor)
    step(
        reviewing.approve_application,
        application_id=application.pk,
        by=assessor,
        scores=scores_at(micro_credential, 2),
        feedback="Clear and well evidenced.",
    )

    application.refresh_from_db()
    credential = IssuedCredential.objects.get()
    assert application.status == Application.Status.APPROVED
    assert application.credential == credential
    assert application.round == 2
    assert [step.to_status for step in list_history(application=application)] == [
        "submitted",
        "in_review",
        "changes_requested",
        "resubmitted",
        "in_review",
        "approved",
    ]

    title = micro_credential.title
    application_url = SITE + reverse("assessments:application-detail", args=[application.pk])
    queue_url = SITE + reverse("assessments:queue")
    credential_url = SITE + reverse("credentials:credential-detail", args=[credential.public_id])
    assert [(m.to[0], m.subject) for m in mail.outbox] == [
        (assessor.email, f"New application: {title}"),
        (learner.email, f"Your application for {title} is in review"),
        (learner.email, f"Changes requested: {title}"),
        (assessor.email, f"Resubmitted for review: {title}"),
        (learner.email, f"Your application for {title} is in review"),
        (learner.email, f"You have earned {title}"),
    ]
    links = [
        queue_url,
        application_url,
        application_url,
        queue_url,
        application_url,
        credential_url,
    ]
    for message, link in zip(mail.outbox, links, strict=True):
        assert link in message.body
        assert f'href="{link}"' in message.alternatives[0][0]
    assert "Explain who the audience was." in mail.outbox[2].body
    assert Notification.objects.filter(email_state=Notification.EmailState.SENT).count() == 6

import pytest

from assessments.services import applying, reviewing
from assessments.services.reviewing import ScoreInput
from tests.factories import EvidenceItemFactory, MicroCredentialFactory, UserFactory


@pytest.fixture
def micro_credential(assessor):
    return MicroCredentialFactory(assessors=[assessor])


@pytest.fixture
def draft(learner, micro_credential):
    """A draft with a statement and one piece of evidence per criterion: ready to submit."""
    application = applying.start_application(by=learner, micro_credential_id=micro_credential.pk)
    for criterion in micro_credential.criteria_set.all():
        item = EvidenceItemFactory(owner=learner, title=f"Evidence for {criterion.title}")
        applying.save_response(
            application_id=application.pk,
            by=learner,
            criterion_id=criterion.pk,
            statement=f"How I meet {criterion.title}.",
            self_assessed_level_id=criterion.required_level_id,
            evidence_item_ids=[item.pk],
        )
    application.refresh_from_db()
    return application


@pytest.fixture
def submitted(draft, learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return applying.submit_application(application_id=draft.pk, by=learner)


@pytest.fixture
def in_review(submitted, assessor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return reviewing.claim_application(application_id=submitted.pk, by=assessor)


def scores_at(micro_credential, position):
    """A ScoreInput per criterion, every criterion at the level with this position."""
    return {
        criterion.pk: ScoreInput(
            level_id=criterion.levels.get(position=position).pk, comment="Noted."
        )
        for criterion in micro_credential.criteria_set.all()
    }


@pytest.fixture
def other_assessor(micro_credential):
    user = UserFactory(email="assessor2@example.com", assessor=True)
    micro_credential.assessors.add(user)
    return user

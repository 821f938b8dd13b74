from assessments.models import SubmittedEvidence
from assessments.selectors import get_review_sheet


def test_frozen_evidence_shows_its_kind_by_name(submitted):
    sheet = get_review_sheet(application=submitted)
    labels = {entry.kind_label for row in sheet.criteria for entry in row.evidence}
    assert labels == {"Written reflection"}


def test_a_kind_no_longer_offered_shows_as_it_was_stored(submitted):
    SubmittedEvidence.objects.filter(application=submitted).update(kind="video")
    sheet = get_review_sheet(application=submitted)
    labels = {entry.kind_label for row in sheet.criteria for entry in row.evidence}
    assert labels == {"video"}

import itertools
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credentials.records import EvidenceRecord, RubricResultRecord
from credentials.services import issue_credential, revoke_credential
from tests.factories import IssuerFactory, MicroCredentialFactory, UserFactory

# Every test here runs at this moment, so dates on pages are exact.
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

_references = itertools.count(1)

RUBRIC_RESULTS = [
    RubricResultRecord(
        criterion="Clarity",
        level="Exceeds",
        required_level="Meets",
        comment="Private note for the learner.",
    ),
    RubricResultRecord(
        criterion="Use of evidence", level="Meets", required_level="Meets", comment=""
    ),
]
EVIDENCE_SNAPSHOT = [
    EvidenceRecord(
        submitted_evidence_id=1,
        title="Sales dashboard",
        kind="image",
        description="Only for the assessor.",
        url="",
    ),
    EvidenceRecord(
        submitted_evidence_id=2,
        title="Write-up of the analysis",
        kind="reflection",
        description="",
        url="",
    ),
]


# The public address documents name the site by, not the test client's: an id built from the
# request instead of settings.SITE_URL shows up as a wrong host.
BADGES_SITE = "https://badges.example.org"


@pytest.fixture
def badges_site(settings):
    settings.SITE_URL = BADGES_SITE
    return BADGES_SITE


@pytest.fixture(autouse=True)
def _frozen_time(time_machine):
    time_machine.move_to(NOW, tick=False)


def staff_member(issuer):
    """A new member of the issuer's staff, who may issue and revoke its credentials."""
    staff = UserFactory(issuer_staff=True)
    issuer.staff.add(staff)
    return staff


def issue(learner, micro_credential, *, issued_at=NOW, assessor=None):
    """Issue a credential as an approval would, with a realistic snapshot."""
    return issue_credential(
        by=staff_member(micro_credential.issuer),
        learner_id=learner.pk,
        micro_credential_id=micro_credential.pk,
        award_reference=f"test:{next(_references)}",
        assessor_id=assessor.pk if assessor else None,
        evidence=EVIDENCE_SNAPSHOT,
        rubric_results=RUBRIC_RESULTS,
        issued_at=issued_at,
    )


def revoke(credential, reason="Evidence was found to be plagiarised."):
    return revoke_credential(
        credential_id=credential.pk, by=staff_member(credential.issuer), reason=reason
    )


@pytest.fixture
def issuer(db):
    return IssuerFactory(
        name="Northfield Institute", slug="northfield", url="https://northfield.example.org"
    )


@pytest.fixture
def micro_credential(issuer):
    return MicroCredentialFactory(
        issuer=issuer, title="Data Storytelling", slug="data-storytelling", validity_months=24
    )


@pytest.fixture
def staff_of_issuer(issuer):
    user = UserFactory(email="staff@northfield.example.org", issuer_staff=True)
    issuer.staff.add(user)
    return user


def get_counting_queries(client, url, data=None):
    """GET a page; return how many queries it took, and the response."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, data)
    assert response.status_code == 200
    return len(captured), response


# Two organisations, each with its own people: for inviting across them.


@pytest.fixture
def issuer_a(db):
    issuer = IssuerFactory(name="Issuer A", slug="issuer-a")
    issuer.staff.add(UserFactory(email="staff@a.example.org", issuer_staff=True, is_staff=True))
    issuer.assessors.add(UserFactory(email="assessor@a.example.org", assessor=True))
    return issuer


@pytest.fixture
def issuer_b(db):
    issuer = IssuerFactory(name="Issuer B", slug="issuer-b")
    issuer.assessors.add(UserFactory(email="assessor@b.example.org", assessor=True))
    return issuer


@pytest.fixture
def staff_b(issuer_b):
    user = UserFactory(email="staff@b.example.org", issuer_staff=True, is_staff=True)
    issuer_b.staff.add(user)
    return user


@pytest.fixture
def as_staff_b(client, staff_b):
    client.force_login(staff_b)
    return client

"""Issued documents are kept as text, exactly as issued (on SQLite and on PostgreSQL)."""

import pytest
from django.db import IntegrityError, transaction

from credentials.models import CredentialDocument
from tests.credentials.conftest import issue
from tests.factories import UserFactory

# Keys out of order, spacing a JSON parser would drop, escapes it would resolve, characters
# outside the Basic Multilingual Plane and both kinds of line end: jsonb would change all of
# them, and any change breaks a signature.
AS_ISSUED = (
    '{"type": ["VerifiableCredential", "OpenBadgeCredential"],  "@context": [\r\n'
    '  "https://www.w3.org/ns/credentials/v2"],\n'
    '\t"name": "Data Storytelling \\u00e9 é 数据 🎓",\n'
    '"credentialSubject": {"z": 1, "a": 2.50, "m": "\\"quoted\\" </script>"},\n'
    '"proof": {"proofValue": "z58DAdFfa9SkqZMVPxAQpic7ndSayn1PzZs6ZjWp1CktyGesjuTSwRdoWhAfGFCF"}}\n'
)


@pytest.fixture
def credential(micro_credential):
    return issue(UserFactory(), micro_credential)


def test_a_document_comes_back_byte_for_byte(credential):
    CredentialDocument.objects.create(
        credential=credential, format=CredentialDocument.Format.OPEN_BADGES_3_0, content=AS_ISSUED
    )
    stored = CredentialDocument.objects.get(credential=credential).content
    assert stored.encode() == AS_ISSUED.encode()
    assert stored == AS_ISSUED


def test_a_credential_has_one_document_per_format(credential):
    CredentialDocument.objects.create(
        credential=credential, format=CredentialDocument.Format.OPEN_BADGES_3_0, content="{}"
    )
    CredentialDocument.objects.create(
        credential=credential, format=CredentialDocument.Format.OPEN_BADGES_2_0, content="{}"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        CredentialDocument.objects.create(
            credential=credential, format=CredentialDocument.Format.OPEN_BADGES_3_0, content="[]"
        )
    assert sorted(credential.documents.values_list("format", "content")) == [
        ("ob2", "{}"),
        ("ob3", "{}"),
    ]


def test_an_unknown_format_is_refused_by_the_database(credential):
    with pytest.raises(IntegrityError), transaction.atomic():
        CredentialDocument.objects.create(credential=credential, format="pdf", content="{}")
    CredentialDocument.objects.create(
        credential=credential, format=CredentialDocument.Format.CLR_2_0, content="{}"
    )
    assert list(credential.documents.values_list("format", flat=True)) == ["clr2"]

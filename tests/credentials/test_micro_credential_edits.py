"""Changing what a micro-credential says (credentials.services.update_micro_credential)."""

import pytest

from credentials.exceptions import PublicationNotAllowed
from credentials.models import MicroCredential
from credentials.services import update_micro_credential
from portfolio.models import Event
from tests.factories import IssuerFactory, UserFactory


@pytest.fixture
def staff(issuer):
    user = UserFactory(email="staff@northfield.example.org", issuer_staff=True)
    issuer.staff.add(user)
    return user


def edited(micro_credential, **values):
    """The micro-credential as the admin's form leaves it: new values set, not saved."""
    copy = MicroCredential.objects.get(pk=micro_credential.pk)
    for name, value in values.items():
        setattr(copy, name, value)
    return copy


def test_an_edit_is_saved_and_recorded_with_what_changed(staff, micro_credential):
    update_micro_credential(
        micro_credential=edited(micro_credential, title="Narrative Analytics", level="advanced"),
        by=staff,
        changed_fields=["title", "level"],
    )
    micro_credential.refresh_from_db()
    assert (micro_credential.title, micro_credential.level) == ("Narrative Analytics", "advanced")
    event = Event.objects.get()
    assert event.verb == "micro_credential.updated"
    assert event.actor == staff
    assert event.payload == {"title": "Narrative Analytics", "changed_fields": ["title", "level"]}


def test_an_edit_never_writes_the_status(staff, micro_credential):
    stale = edited(micro_credential, title="Narrative Analytics")
    # Retired by someone else after the edit form was loaded.
    MicroCredential.objects.filter(pk=micro_credential.pk).update(status="retired")
    returned = update_micro_credential(micro_credential=stale, by=staff, changed_fields=["title"])
    micro_credential.refresh_from_db()
    assert micro_credential.title == "Narrative Analytics"
    assert micro_credential.status == returned.status == "retired"


@pytest.mark.parametrize("whose", ["another issuer's staff", "moved to another issuer"])
def test_only_the_issuers_staff_may_edit_and_only_within_their_issuers(
    staff, micro_credential, whose
):
    other_issuer = IssuerFactory(name="Southbank College")
    if whose == "another issuer's staff":
        by = UserFactory(issuer_staff=True)
        other_issuer.staff.add(by)
        change = edited(micro_credential, title="Taken over")
    else:
        by = staff
        change = edited(micro_credential, title="Taken over", issuer_id=other_issuer.pk)
    with pytest.raises(PublicationNotAllowed) as refused:
        update_micro_credential(micro_credential=change, by=by, changed_fields=["title"])
    assert refused.value.code == "micro_credential.not_issuer_staff"
    micro_credential.refresh_from_db()
    assert micro_credential.title == "Data Storytelling"
    assert micro_credential.issuer.name == "Northfield Institute"
    assert not Event.objects.exists()

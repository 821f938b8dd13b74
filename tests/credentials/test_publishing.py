"""Publishing and retiring a micro-credential: the services, who may, and the admin's actions."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission

from credentials.exceptions import PublicationNotAllowed
from credentials.models import MicroCredential
from credentials.permissions import can_publish_or_retire
from credentials.services import publish_micro_credential, retire_micro_credential
from portfolio.models import Event
from tests.factories import IssuerFactory, MicroCredentialFactory, UserFactory

Status = MicroCredential.Status


@pytest.fixture
def staff(issuer):
    user = UserFactory(email="staff@northfield.example.org", issuer_staff=True)
    # What the admin needs to list and change the issuer's micro-credentials.
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="credentials"))
    issuer.staff.add(user)
    return user


@pytest.fixture
def draft(issuer):
    return MicroCredentialFactory(issuer=issuer, title="Survey Design", status=Status.DRAFT)


def publish(micro_credential, by):
    return publish_micro_credential(micro_credential_id=micro_credential.pk, by=by)


def retire(micro_credential, by):
    return retire_micro_credential(micro_credential_id=micro_credential.pk, by=by)


def events():
    return list(
        Event.objects.order_by("pk").values_list(
            "verb", "actor__email", "target_type", "target_id", "scope", "payload"
        )
    )


def test_publishing_a_draft_opens_it_and_records_who(staff, draft, issuer):
    published = publish(draft, staff)
    assert published.status == Status.PUBLISHED
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED
    assert events() == [
        (
            "micro_credential.published",
            "staff@northfield.example.org",
            "credentials.microcredential",
            draft.pk,
            f"issuer:{issuer.pk}",
            {"title": "Survey Design", "previous_status": "draft"},
        )
    ]


def test_retiring_a_published_one_records_who(staff, micro_credential, issuer):
    retire(micro_credential, staff)
    micro_credential.refresh_from_db()
    assert micro_credential.status == Status.RETIRED
    assert events() == [
        (
            "micro_credential.retired",
            "staff@northfield.example.org",
            "credentials.microcredential",
            micro_credential.pk,
            f"issuer:{issuer.pk}",
            {"title": "Data Storytelling", "previous_status": "published"},
        )
    ]


def test_a_retired_one_can_be_published_again(staff, micro_credential):
    retire(micro_credential, staff)
    publish(micro_credential, staff)
    micro_credential.refresh_from_db()
    assert micro_credential.status == Status.PUBLISHED
    assert [verb for verb, *_ in events()] == [
        "micro_credential.retired",
        "micro_credential.published",
    ]
    assert events()[1][5] == {"title": "Data Storytelling", "previous_status": "retired"}


@pytest.mark.parametrize(
    ("status", "act", "message", "code"),
    [
        (
            Status.PUBLISHED,
            publish,
            "Data Storytelling is already published.",
            "micro_credential.already_published",
        ),
        (
            Status.DRAFT,
            retire,
            "Only a published micro-credential can be retired; Data Storytelling is draft.",
            "micro_credential.not_published",
        ),
        (
            Status.RETIRED,
            retire,
            "Only a published micro-credential can be retired; Data Storytelling is retired.",
            "micro_credential.not_published",
        ),
    ],
)
def test_a_step_the_status_does_not_allow_is_refused(
    staff, micro_credential, status, act, message, code
):
    MicroCredential.objects.filter(pk=micro_credential.pk).update(status=status)
    with pytest.raises(PublicationNotAllowed) as refused:
        act(micro_credential, staff)
    assert (refused.value.message, refused.value.code, refused.value.status) == (
        message,
        code,
        409,
    )
    micro_credential.refresh_from_db()
    assert micro_credential.status == status
    assert events() == []


@pytest.mark.parametrize("act", [publish, retire])
def test_someone_who_does_not_manage_the_issuer_is_refused(micro_credential, act):
    outsider = UserFactory(issuer_staff=True)
    IssuerFactory().staff.add(outsider)
    with pytest.raises(PublicationNotAllowed) as refused:
        act(micro_credential, outsider)
    assert refused.value.message == (
        "Only Northfield Institute's staff can publish or retire Data Storytelling."
    )
    assert (refused.value.code, refused.value.status) == ("micro_credential.not_issuer_staff", 403)
    micro_credential.refresh_from_db()
    assert micro_credential.status == Status.PUBLISHED
    assert events() == []


def own_staff(issuer):
    user = UserFactory(issuer_staff=True)
    issuer.staff.add(user)
    return user


def inactive_own_staff(issuer):
    user = UserFactory(issuer_staff=True, is_active=False)
    issuer.staff.add(user)
    return user


def other_issuers_staff(issuer):
    user = UserFactory(issuer_staff=True)
    IssuerFactory().staff.add(user)
    return user


def site_administrator(issuer):
    return UserFactory(is_superuser=True, is_staff=True)


def issuers_assessor(issuer):
    user = UserFactory(assessor=True)
    issuer.assessors.add(user)
    return user


def learner(issuer):
    return UserFactory()


def employer(issuer):
    return UserFactory(employer=True)


def anonymous(issuer):
    return AnonymousUser()


@pytest.mark.parametrize(
    ("make_user", "may"),
    [
        (own_staff, True),
        (site_administrator, True),
        (inactive_own_staff, False),
        (other_issuers_staff, False),
        (issuers_assessor, False),
        (learner, False),
        (employer, False),
        (anonymous, False),
    ],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_who_may_publish_or_retire(micro_credential, make_user, may):
    user = make_user(micro_credential.issuer)
    assert can_publish_or_retire(user, micro_credential) is may


# --- In the admin ------------------------------------------------------------------------

CHANGELIST = "/admin/credentials/microcredential/"


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def act_in_admin(client, action, *micro_credentials):
    return client.post(
        CHANGELIST,
        {
            "action": action,
            "_selected_action": [micro_credential.pk for micro_credential in micro_credentials],
        },
        follow=True,
    )


def test_the_admin_publishes_through_the_service(staff_client, draft):
    response = act_in_admin(staff_client, "publish_selected", draft)
    assert "Published: Survey Design." in response.text
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED
    assert [verb for verb, *_ in events()] == ["micro_credential.published"]


def test_the_admin_retires_what_it_may_and_says_why_not_the_rest(
    staff_client, draft, micro_credential
):
    response = act_in_admin(staff_client, "retire_selected", draft, micro_credential)
    assert "Retired: Data Storytelling." in response.text
    assert (
        "Only a published micro-credential can be retired; Survey Design is draft." in response.text
    )
    micro_credential.refresh_from_db()
    draft.refresh_from_db()
    assert (micro_credential.status, draft.status) == (Status.RETIRED, Status.DRAFT)
    assert [verb for verb, *_ in events()] == ["micro_credential.retired"]


def test_the_change_form_shows_the_status_but_does_not_change_it(staff_client, micro_credential):
    url = f"{CHANGELIST}{micro_credential.pk}/change/"
    page = staff_client.get(url).text
    assert '<div class="readonly">Published</div>' in page
    assert 'name="status"' not in page
    assert '<option value="publish_selected">' not in page  # actions live on the list
    listing = staff_client.get(CHANGELIST).text
    assert (
        '<option value="publish_selected">Publish the selected micro-credentials</option>'
        in listing
    )
    assert (
        '<option value="retire_selected">Retire the selected micro-credentials</option>' in listing
    )

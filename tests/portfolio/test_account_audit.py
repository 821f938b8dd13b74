"""Role changes and logins to the admin are audited in the event log."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from portfolio.models import Event, User
from portfolio.services.accounts import AccountError, change_role, record_admin_login
from tests.factories import TEST_PASSWORD, UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@example.com", is_staff=True, is_superuser=True)


def _verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def site_login(client, email):
    return client.post(reverse("account_login"), {"login": email, "password": TEST_PASSWORD})


# --- Role changes -------------------------------------------------------------------------


def test_changing_a_role_records_who_changed_it_from_what_to_what(superuser, learner):
    changed = change_role(by=superuser, user_id=learner.pk, role=User.Role.ASSESSOR)

    learner.refresh_from_db()
    assert changed.role == learner.role == User.Role.ASSESSOR
    [event] = Event.objects.all()
    assert (event.verb, event.actor, event.owner) == ("user.role_changed", superuser, learner)
    assert (event.target_type, event.target_id) == ("portfolio.user", learner.pk)
    assert event.payload == {"from_role": "learner", "to_role": "assessor"}


def test_giving_the_role_already_held_changes_and_records_nothing(superuser, learner):
    change_role(by=superuser, user_id=learner.pk, role=User.Role.LEARNER)
    assert not Event.objects.exists()
    change_role(by=superuser, user_id=learner.pk, role=User.Role.EMPLOYER)
    assert Event.objects.count() == 1


@pytest.mark.parametrize("who", ["learner", "issuer_staff", "assessor"])
def test_only_site_administrators_change_roles(request, who, other_learner):
    by = request.getfixturevalue(who)
    with pytest.raises(AccountError, match="Only site administrators"):
        change_role(by=by, user_id=other_learner.pk, role=User.Role.ISSUER_STAFF)
    other_learner.refresh_from_db()
    assert other_learner.role == User.Role.LEARNER
    assert not Event.objects.exists()


def test_an_unknown_role_is_refused(superuser, learner):
    with pytest.raises(AccountError, match="Choose one of the roles"):
        change_role(by=superuser, user_id=learner.pk, role="overlord")
    learner.refresh_from_db()
    assert learner.role == User.Role.LEARNER
    assert not Event.objects.exists()


def _admin_form(user, **changes):
    data = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
    }
    return {**data, **changes}


def test_a_role_changed_in_the_admin_goes_through_the_service(client, superuser, learner):
    client.force_login(superuser)
    url = reverse("admin:portfolio_user_change", args=[learner.pk])

    response = client.post(url, _admin_form(learner, role=User.Role.ASSESSOR, first_name="Ada"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    learner.refresh_from_db()
    assert (learner.role, learner.first_name) == (User.Role.ASSESSOR, "Ada")
    [event] = Event.objects.filter(verb="user.role_changed")
    assert (event.actor, event.owner, event.payload["to_role"]) == (superuser, learner, "assessor")


def test_saving_a_user_in_the_admin_without_a_new_role_records_no_role_change(
    client, superuser, learner
):
    client.force_login(superuser)
    url = reverse("admin:portfolio_user_change", args=[learner.pk])

    response = client.post(url, _admin_form(learner, first_name="Ada"))

    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.first_name == "Ada"
    assert not Event.objects.filter(verb="user.role_changed").exists()


# --- Logins by the admin's users ---------------------------------------------------------


@pytest.mark.parametrize(
    "traits",
    [{"issuer_staff": True}, {"is_staff": True, "is_superuser": True}],
    ids=["staff", "superuser"],
)
def test_a_login_by_someone_who_may_use_the_admin_is_recorded(client, db, traits):
    person = _verified(UserFactory(email="admin.person@example.com", **traits))

    response = site_login(client, person.email)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)
    [event] = Event.objects.all()
    assert (event.verb, event.actor, event.owner, event.actor_label) == (
        "user.logged_in",
        person,
        person,
        person.email,
    )


def test_a_learners_login_is_not_recorded(client, learner):
    _verified(learner)

    response = site_login(client, learner.email)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(learner.pk)
    assert not Event.objects.exists()


def test_a_failed_login_records_nothing(client, superuser):
    _verified(superuser)
    response = client.post(
        reverse("account_login"), {"login": superuser.email, "password": "not-it"}
    )
    assert response.status_code == 200
    assert not Event.objects.exists()
    site_login(client, superuser.email)
    assert Event.objects.filter(verb="user.logged_in").count() == 1


def test_recording_an_admin_login_for_a_learner_records_nothing(learner, superuser):
    record_admin_login(user=learner)
    assert not Event.objects.exists()
    record_admin_login(user=superuser)
    assert Event.objects.get().actor == superuser

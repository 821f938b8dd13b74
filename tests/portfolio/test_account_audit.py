"""Changes to accounts (made in the admin: new accounts, roles, active, staff and superuser
status) and logins to the admin are audited in the event log."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from portfolio.models import Event, User
from portfolio.services.accounts import (
    AccountError,
    change_role,
    create_user,
    record_admin_login,
    set_staff_status,
    set_superuser_status,
    set_user_active,
)
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


# --- Active, staff and superuser status ------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "flag", "verbs"),
    [
        (set_user_active, "is_active", ["user.deactivated", "user.reactivated"]),
        (set_staff_status, "is_staff", ["user.staff_status_set", "user.staff_status_set"]),
        (
            set_superuser_status,
            "is_superuser",
            ["user.superuser_status_set", "user.superuser_status_set"],
        ),
    ],
)
def test_each_account_flag_change_is_recorded_once_and_a_repeat_records_nothing(
    superuser, service, flag, verbs
):
    person = UserFactory(email="person@example.com", is_active=True, is_staff=True)
    was = getattr(person, flag)

    service(by=superuser, user_id=person.pk, **{flag: not was})
    service(by=superuser, user_id=person.pk, **{flag: not was})
    service(by=superuser, user_id=person.pk, **{flag: was})

    person.refresh_from_db()
    assert getattr(person, flag) is was
    events = list(Event.objects.order_by("pk"))
    assert [event.verb for event in events] == verbs
    assert {(event.actor, event.owner, event.target_id) for event in events} == {
        (superuser, person, person.pk)
    }
    if flag != "is_active":
        assert [event.payload[flag] for event in events] == [not was, was]


@pytest.mark.parametrize("who", ["learner", "issuer_staff", "assessor"])
@pytest.mark.parametrize(
    ("service", "flag"),
    [
        (set_user_active, "is_active"),
        (set_staff_status, "is_staff"),
        (set_superuser_status, "is_superuser"),
    ],
)
def test_only_site_administrators_change_account_flags(request, who, service, flag, other_learner):
    by = request.getfixturevalue(who)
    was = getattr(other_learner, flag)
    with pytest.raises(AccountError, match="Only site administrators"):
        service(by=by, user_id=other_learner.pk, **{flag: not was})
    other_learner.refresh_from_db()
    assert getattr(other_learner, flag) is was
    assert not Event.objects.exists()


def test_flags_changed_in_the_admin_go_through_the_services(client, superuser, learner):
    client.force_login(superuser)
    url = reverse("admin:portfolio_user_change", args=[learner.pk])
    form = _admin_form(learner, first_name="Ada", is_staff="on", is_superuser="on")
    del form["is_active"]  # unticked

    response = client.post(url, form)

    assert response.status_code == 302, response.context["adminform"].form.errors
    learner.refresh_from_db()
    assert (learner.first_name, learner.is_active, learner.is_staff, learner.is_superuser) == (
        "Ada",
        False,
        True,
        True,
    )
    events = Event.objects.order_by("pk")
    assert [event.verb for event in events] == [
        "user.deactivated",
        "user.staff_status_set",
        "user.superuser_status_set",
    ]
    assert {(event.actor, event.owner) for event in events} == {(superuser, learner)}


def test_saving_a_user_in_the_admin_without_changing_a_flag_records_nothing(
    client, superuser, learner
):
    client.force_login(superuser)
    url = reverse("admin:portfolio_user_change", args=[learner.pk])

    response = client.post(url, _admin_form(learner, last_name="Lovelace"))

    assert response.status_code == 302
    learner.refresh_from_db()
    assert (learner.last_name, learner.is_active) == ("Lovelace", True)
    assert not Event.objects.exists()


# --- Accounts made in the admin ----------------------------------------------------------------


def _add_form(**changes):
    return {
        "email": "new.person@example.com",
        "role": "learner",
        "usable_password": "true",
        "password1": "a-long-demo-passphrase",
        "password2": "a-long-demo-passphrase",
        **changes,
    }


def test_an_account_made_in_the_admin_is_recorded_with_who_made_it(client, superuser):
    client.force_login(superuser)

    response = client.post(reverse("admin:portfolio_user_add"), _add_form(role="assessor"))

    user = User.objects.get(email="new.person@example.com")
    assert response.status_code == 302
    assert response.url == reverse("admin:portfolio_user_change", args=[user.pk])
    assert user.check_password("a-long-demo-passphrase")
    assert user.role == User.Role.ASSESSOR
    [event] = Event.objects.all()
    assert (event.verb, event.actor, event.owner, event.target_id) == (
        "user.created",
        superuser,
        user,
        user.pk,
    )
    assert event.payload == {"role": "assessor", "has_password": True}


def test_an_account_made_in_the_admin_without_a_password_cannot_sign_in(client, superuser):
    client.force_login(superuser)

    response = client.post(
        reverse("admin:portfolio_user_add"),
        _add_form(usable_password="false", password1="", password2=""),
    )

    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.com")
    assert not user.has_usable_password()
    # A learner also gets the private profile sign-up gives.
    assert list(Event.objects.order_by("pk").values_list("verb", flat=True)) == [
        "user.created",
        "profile.created",
    ]
    assert Event.objects.get(verb="user.created").payload["has_password"] is False


@pytest.mark.parametrize("who", ["learner", "issuer_staff", "assessor"])
def test_only_site_administrators_make_accounts(request, who):
    by = request.getfixturevalue(who)
    with pytest.raises(AccountError, match="Only site administrators"):
        create_user(by=by, email="new.person@example.com", role="learner", password=None)
    assert not User.objects.filter(email="new.person@example.com").exists()
    assert not Event.objects.exists()


def test_an_account_of_an_unknown_role_is_refused(superuser):
    with pytest.raises(AccountError, match="Choose one of the roles"):
        create_user(by=superuser, email="new.person@example.com", role="overlord", password=None)
    assert not User.objects.filter(email="new.person@example.com").exists()
    assert User.objects.filter(email=superuser.email).exists()


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

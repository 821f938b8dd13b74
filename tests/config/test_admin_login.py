"""The admin signs people in through allauth's login page, so allauth's lockout covers it."""

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_user():
    user = UserFactory(email="admin.person@example.com", issuer_staff=True, is_staff=True)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def admin_login(client, email, password):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": email, "password": password, "next": "/admin/"},
    )


def site_login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_admin_login_page_sends_people_to_the_site_login(client):
    response = client.get("/admin/login/?next=/admin/credentials/")

    assert response.status_code == 302
    target = urlsplit(response.url)
    assert target.path == reverse("account_login")
    assert parse_qs(target.query)["next"] == ["/admin/credentials/"]


def test_the_admin_index_also_leads_to_the_site_login(client):
    first = client.get("/admin/")
    assert first.status_code == 302
    second = client.get(first.url)

    assert second.status_code == 302
    assert urlsplit(second.url).path == reverse("account_login")


def test_posting_the_right_password_to_the_admin_login_signs_nobody_in(client, staff_user):
    response = admin_login(client, staff_user.email, TEST_PASSWORD)

    assert response.status_code == 302
    assert urlsplit(response.url).path == reverse("account_login")
    assert client.session.get("_auth_user_id") is None


def test_the_site_lockout_holds_for_the_admin_too(client, staff_user):
    # Thirty guesses through the admin's address are not a way around the lockout either:
    # they never reach a password check at all.
    for _attempt in range(30):
        admin_login(client, staff_user.email, "guess")
    for _attempt in range(5):
        site_login(client, staff_user.email, "guess")

    response = site_login(client, staff_user.email, TEST_PASSWORD)
    assert "Too many failed login attempts. Try again later." in response.text
    assert admin_login(client, staff_user.email, TEST_PASSWORD).status_code == 302
    assert client.session.get("_auth_user_id") is None


def test_staff_signed_in_on_the_site_reach_the_admin(client, staff_user):
    response = site_login(client, staff_user.email, TEST_PASSWORD)
    assert response.status_code == 302

    index = client.get("/admin/")
    assert index.status_code == 200
    assert "Site administration" in index.text


def test_signed_in_people_without_staff_status_are_refused_by_the_admin_login(client, learner):
    client.force_login(learner)

    assert client.get("/admin/login/").status_code == 403

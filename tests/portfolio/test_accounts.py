"""Accounts through allauth: sign-up, verification, login, logout, password reset, rate limits."""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from portfolio.models import LearnerProfile, User
from tests.factories import TEST_PASSWORD

NEW_PASSWORD = "a-long-and-unusual-passphrase-42"
WRONG_LOGIN = "The email address and/or password you specified are not correct."

pytestmark = pytest.mark.django_db

mandatory_verification = override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
optional_verification = override_settings(ACCOUNT_EMAIL_VERIFICATION="optional")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # allauth keeps its rate-limit counters in the cache; every test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def verified_learner(learner):
    EmailAddress.objects.update_or_create(
        user=learner, email=learner.email, defaults={"verified": True, "primary": True}
    )
    return learner


def link_path(body, prefix):
    """The path of the one link in an e-mail body that starts with `prefix`."""
    match = re.search(rf"https?://[^/\s]+({re.escape(prefix)}\S*)", body)
    assert match is not None, body
    return match.group(1)


def sign_up(client, email="new.learner@example.com", name="Noor Haddad"):
    return client.post(
        reverse("account_signup"),
        {
            "display_name": name,
            "email": email,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )


def log_in(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


@mandatory_verification
def test_signup_then_email_verification_then_login(client):
    response = sign_up(client)

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    page = client.get(response.url)
    assert "Verify Your Email Address" in page.text
    assert "We have sent an email to you for verification." in page.text

    user = User.objects.get(email="new.learner@example.com")
    assert user.role == User.Role.LEARNER
    profile = LearnerProfile.objects.get(user=user)
    assert profile.is_public is False
    assert profile.display_name == "Noor Haddad"
    assert logged_in_user_id(client) is None

    # Until the address is verified, the right password still does not let the learner in.
    response = log_in(client, "new.learner@example.com", NEW_PASSWORD)
    assert response.url == reverse("account_email_verification_sent")
    assert logged_in_user_id(client) is None

    [message] = mail.outbox
    assert message.to == ["new.learner@example.com"]
    assert message.subject == "[Unbundled] Please Confirm Your Email Address"
    assert message.body.startswith("Hello from Unbundled!")
    confirm_path = link_path(message.body, "/accounts/confirm-email/")

    confirm_page = client.get(confirm_path)
    assert "Confirm Email Address" in confirm_page.text
    assert (
        'Please confirm that <a href="mailto:new.learner@example.com">new.learner@example.com</a>'
        " is an email address for user new.learner@example.com." in confirm_page.text
    )
    # A GET must not confirm (mail scanners follow links); only the form's POST does.
    assert not EmailAddress.objects.get(user=user).verified

    response = client.post(confirm_path)
    assert response.status_code == 302
    assert response.url == reverse("account_login")
    assert EmailAddress.objects.get(user=user).verified

    response = log_in(client, "new.learner@example.com", NEW_PASSWORD)
    assert response.url == reverse("dashboard")
    assert logged_in_user_id(client) == str(user.pk)
    dashboard = client.get(response.url)
    assert "Welcome, Noor Haddad" in dashboard.text


@optional_verification
def test_with_optional_verification_signup_logs_the_learner_straight_in(client):
    response = sign_up(client)

    user = User.objects.get(email="new.learner@example.com")
    assert response.url == reverse("dashboard")
    assert logged_in_user_id(client) == str(user.pk)
    assert user.role == User.Role.LEARNER
    assert LearnerProfile.objects.filter(user=user, is_public=False).exists()
    # The address is still sent for verification, it just does not block the learner.
    [message] = mail.outbox
    assert message.subject == "[Unbundled] Please Confirm Your Email Address"


@optional_verification
def test_signup_with_a_registered_email_is_refused_with_allauths_message(client, learner):
    response = sign_up(client, email=learner.email)

    assert response.status_code == 200
    assert "A user is already registered with this email address." in response.text
    assert User.objects.filter(email=learner.email).count() == 1
    assert logged_in_user_id(client) is None


@mandatory_verification
def test_signup_with_a_registered_email_reveals_nothing_when_verification_is_mandatory(
    client, learner
):
    # allauth's enumeration prevention: the page looks like any sign-up, and only the owner of
    # the address learns (by e-mail) that the account already exists.
    response = sign_up(client, email=learner.email)

    assert response.url == reverse("account_email_verification_sent")
    assert User.objects.filter(email=learner.email).count() == 1
    [message] = mail.outbox
    assert message.to == [learner.email]
    assert message.subject == "[Unbundled] Account Already Exists"


def test_login_with_a_wrong_password_shows_allauths_error(client, verified_learner):
    response = log_in(client, verified_learner.email, "not-the-password")

    assert response.status_code == 200
    assert (
        f'<div class="form-errors" role="alert"><ul class="errorlist nonfield"><li>{WRONG_LOGIN}</li></ul></div>'
        in response.text
    )
    assert logged_in_user_id(client) is None


def test_login_by_email_lands_on_the_dashboard(client, verified_learner):
    response = log_in(client, verified_learner.email.upper(), TEST_PASSWORD)

    assert response.url == reverse("dashboard")
    assert logged_in_user_id(client) == str(verified_learner.pk)


def test_repeated_failed_logins_are_refused_even_with_the_right_password(client, verified_learner):
    # allauth's default login_failed limit: 5 failures per address in 5 minutes.
    for _attempt in range(5):
        assert WRONG_LOGIN in log_in(client, verified_learner.email, "guess").text

    response = log_in(client, verified_learner.email, TEST_PASSWORD)

    assert "Too many failed login attempts. Try again later." in response.text
    assert logged_in_user_id(client) is None


def test_logout_needs_a_post(client, verified_learner):
    client.force_login(verified_learner)

    page = client.get(reverse("account_logout"))
    assert "Are you sure you want to log out?" in page.text
    assert logged_in_user_id(client) == str(verified_learner.pk)

    response = client.post(reverse("account_logout"))
    assert response.url == "/"
    assert logged_in_user_id(client) is None


def test_password_reset_email_link_sets_a_new_password(client, verified_learner):
    response = client.post(reverse("account_reset_password"), {"email": verified_learner.email})

    assert response.url == reverse("account_reset_password_done")
    [message] = mail.outbox
    assert message.to == [verified_learner.email]
    assert message.subject == "[Unbundled] Password Reset Email"
    reset_path = link_path(message.body, "/accounts/password/reset/key/")

    # allauth swaps the key in the URL for one kept in the session, so it never leaks
    # through the Referer header of the form page.
    response = client.get(reset_path)
    assert response.status_code == 302
    form_path = urlsplit(response.url).path
    form_page = client.get(form_path)
    assert '<label for="id_password1">New Password:</label>' in form_page.text

    response = client.post(form_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.url == reverse("account_reset_password_from_key_done")
    assert "Your password is now changed." in client.get(response.url).text

    assert WRONG_LOGIN in log_in(client, verified_learner.email, TEST_PASSWORD).text
    response = log_in(client, verified_learner.email, NEW_PASSWORD)
    assert response.url == reverse("dashboard")


def test_a_used_password_reset_link_is_refused(client, verified_learner):
    client.post(reverse("account_reset_password"), {"email": verified_learner.email})
    reset_path = link_path(mail.outbox[0].body, "/accounts/password/reset/key/")
    form_path = urlsplit(client.get(reset_path).url).path
    client.post(form_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    page = client.get(reset_path)

    assert "Bad Token" in page.text
    assert "The password reset link was invalid, possibly because it has already been used." in (
        page.text
    )


def test_password_reset_for_an_unknown_address_looks_the_same(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})

    assert response.url == reverse("account_reset_password_done")
    [message] = mail.outbox
    assert message.subject == "[Unbundled] Unknown Account"


@pytest.mark.parametrize(
    ("url_name", "heading", "layout"),
    [
        ("account_login", "Log in", "account-entrance"),
        ("account_signup", "Sign up", "account-entrance"),
        ("account_reset_password", "Password Reset", "account-entrance"),
        ("account_reset_password_done", "Password Reset", "account-entrance"),
        ("account_email_verification_sent", "Verify Your Email Address", "account-entrance"),
    ],
)
def test_entrance_pages_use_the_site_layout(client, url_name, heading, layout):
    page = client.get(reverse(url_name))

    assert f'<body class="account-page {layout}">' in page.text
    assert '<header class="site-header">' in page.text
    assert re.search(rf'<h1 class="account-title">\s*{heading}\s*</h1>', page.text)
    assert "/static/css/accounts.css" in page.text


@pytest.mark.parametrize(
    ("url_name", "heading"),
    [
        ("account_email", "Email Addresses"),
        ("account_change_password", "Change Password"),
        ("account_logout", "Log out"),
    ],
)
def test_account_settings_pages_use_the_site_layout_with_their_own_navigation(
    client, verified_learner, url_name, heading
):
    client.force_login(verified_learner)

    page = client.get(reverse(url_name))

    assert '<body class="account-page account-manage">' in page.text
    assert '<nav class="account-nav" aria-label="Account settings">' in page.text
    assert re.search(rf'<h1 class="account-title">\s*{heading}\s*</h1>', page.text)


def test_form_fields_keep_visible_labels_and_errors_tied_to_them(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "not-an-address", "password1": "short", "password2": "other"},
    )

    assert '<label for="id_email">Email:</label>' in response.text
    assert (
        '<ul class="errorlist" id="id_email_error"><li>Enter a valid email address.</li></ul>'
        in (response.text)
    )
    assert 'aria-invalid="true"' in response.text
    assert 'aria-describedby="id_email_error"' in response.text


def test_email_management_lists_addresses_with_their_status(client, verified_learner):
    EmailAddress.objects.create(user=verified_learner, email="second@example.com")
    client.force_login(verified_learner)

    page = client.get(reverse("account_email"))

    assert re.search(
        r'<input type="radio" name="email" id="email_radio_0" value="learner@example.com" checked>\s*'
        r'<label for="email_radio_0">\s*learner@example.com\s*'
        r'<span class="pill pill-public">\s*Verified\s*</span>',
        page.text,
    )
    assert re.search(
        r'<label for="email_radio_1">\s*second@example.com\s*'
        r'<span class="pill pill-warning">\s*Unverified\s*</span>',
        page.text,
    )


@optional_verification
def test_signup_asks_for_the_name_first_and_the_profile_carries_it(client):
    page = client.get(reverse("account_signup"))
    labels = re.findall(r'<label for="id_(\w+)"', page.text)
    assert labels[:2] == ["display_name", "email"]
    assert '<label for="id_display_name">Your name:</label>' in page.text
    assert 'autocomplete="name"' in page.text

    sign_up(client, name="  Noor Haddad  ")

    profile = LearnerProfile.objects.get(user__email="new.learner@example.com")
    assert profile.display_name == "Noor Haddad"
    assert profile.slug == "noor-haddad"


@pytest.mark.parametrize("name", ["", "   "])
def test_signup_without_a_name_is_refused_and_keeps_the_address(client, name):
    response = sign_up(client, name=name)

    assert response.status_code == 200
    assert (
        '<ul class="errorlist" id="id_display_name_error"><li>'
        "Enter your name: it is shown on credentials you earn.</li></ul>"
    ) in response.text
    assert 'value="new.learner@example.com"' in response.text
    assert not User.objects.filter(email="new.learner@example.com").exists()


def test_an_account_made_without_a_name_gets_no_name_from_its_address(db):
    from portfolio.services.profiles import ensure_profile

    user = User.objects.create_user(email="kb40191@example.com", password=NEW_PASSWORD)
    profile = ensure_profile(user=user)
    assert profile.display_name == ""
    assert profile.slug == "kb40191"


def test_entrance_pages_use_the_sites_wording(client, verified_learner):
    login = client.get(reverse("account_login")).text
    assert '<label for="id_remember">Remember me</label>' in login
    assert re.search(r'<button[^>]*type="submit"[^>]*>\s*Log in\s*</button>', login)
    assert re.search(r"<title>\s*Log in\s", login)
    for wording in ("Sign In", "Remember Me", "Sign Up"):
        assert wording not in login

    signup = client.get(reverse("account_signup")).text
    assert re.search(r'<button[^>]*type="submit"[^>]*>\s*Sign up\s*</button>', signup)
    assert re.search(r"Already have an account\? Then please <a [^>]*>\s*log in\s*</a>", signup)
    assert "Sign Up" not in signup
    assert "sign in" not in signup

    client.force_login(verified_learner)
    logout = client.get(reverse("account_logout")).text
    assert "Are you sure you want to log out?" in logout
    assert "Sign Out" not in logout

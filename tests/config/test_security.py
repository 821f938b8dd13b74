"""Browser-facing protections: CSP, no inline script or style, CSRF, secure cookies."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from tests.config.test_settings import load_settings, production_environment
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle=", re.IGNORECASE)
PUBLIC_PAGES = ["home", "account_login", "account_signup", "account_reset_password"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def verified_learner(learner):
    EmailAddress.objects.update_or_create(
        user=learner, email=learner.email, defaults={"verified": True, "primary": True}
    )
    return learner


def csp_directives(response):
    policy = response.headers["Content-Security-Policy"]
    directives = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


@pytest.mark.parametrize("url_name", PUBLIC_PAGES)
def test_pages_send_a_csp_that_refuses_inline_script_and_style(client, url_name):
    directives = csp_directives(client.get(reverse(url_name)))

    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in source for sources in directives.values() for source in sources)


# Inline script and style on every page, for every role: tests/config/test_csp_every_page.py.


def test_email_management_inline_script_is_only_json_data(client, verified_learner):
    # allauth's e-mail page passes its confirm-dialog text in a JSON block, which browsers do
    # not execute, so CSP does not need 'unsafe-inline' for it.
    client.force_login(verified_learner)
    html = client.get(reverse("account_email")).text

    inline = [tag for tag in SCRIPT_TAG.findall(html) if " src=" not in tag]

    assert inline == [
        '<script data-allauth-onload="allauth.account.forms.manageEmailForm" '
        'type="application/json">'
    ]
    assert not STYLE_ATTRIBUTE.search(html)


def test_pages_refuse_to_be_framed(client):
    assert client.get(reverse("account_login")).headers["X-Frame-Options"] == "DENY"


def test_login_without_a_csrf_token_is_refused(verified_learner):
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        reverse("account_login"), {"login": verified_learner.email, "password": TEST_PASSWORD}
    )

    assert response.status_code == 403
    assert "CSRF verification failed. Request aborted." in response.text
    assert "_auth_user_id" not in client.session


def test_login_with_the_pages_csrf_token_is_accepted(verified_learner):
    client = Client(enforce_csrf_checks=True)
    form_page = client.get(reverse("account_login"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page.text)
    assert token is not None

    response = client.post(
        reverse("account_login"),
        {
            "login": verified_learner.email,
            "password": TEST_PASSWORD,
            "csrfmiddlewaretoken": token[1],
        },
    )

    assert response["Location"] == reverse("dashboard")
    assert client.session["_auth_user_id"] == str(verified_learner.pk)


@override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_session_and_csrf_cookies_carry_the_secure_flag_when_configured(client, verified_learner):
    client.get(reverse("account_login"))
    csrf_cookie = client.cookies["csrftoken"]

    response = client.post(
        reverse("account_login"), {"login": verified_learner.email, "password": TEST_PASSWORD}
    )

    session_cookie = response.cookies["sessionid"]
    assert session_cookie["secure"] is True
    assert session_cookie["httponly"] is True
    assert session_cookie["samesite"] == "Lax"
    assert csrf_cookie["secure"] is True


def test_production_profile_configures_secure_cookies(monkeypatch, tmp_path):
    settings = load_settings(monkeypatch, production_environment(tmp_path))

    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["CSRF_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SECURE_SSL_REDIRECT"] is True

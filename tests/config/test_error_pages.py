import uuid

import pytest
from django.test import Client, RequestFactory

from config.views import server_error


def test_an_unknown_address_gets_the_sites_404_page(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert '<header class="site-header">' in response.text
    assert "<title>Page not found · Unbundled</title>" in response.text
    assert "<h1>Page not found</h1>" in response.text
    assert '<a class="button" href="/">Go to the home page</a>' in response.text
    assert "No credential has this identifier" not in response.text


def test_a_signed_in_user_keeps_the_header_on_the_404_page(client, learner):
    client.force_login(learner)
    response = client.get("/evidence/999999/")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.text
    assert learner.email in response.text  # the account menu: the request context worked


def test_an_unknown_credential_says_so_and_what_to_do(client, db):
    response = client.get(f"/c/{uuid.uuid4()}/")
    assert response.status_code == 404
    assert "<title>No such credential · Unbundled</title>" in response.text
    assert "<h1>No credential has this identifier</h1>" in response.text
    assert "check that you have the whole link" in response.text
    assert "ask the holder to send it again" in response.text
    assert '<a href="/credentials/">micro-credentials</a>' in response.text


@pytest.mark.urls("tests.config.error_urls")
def test_a_failing_view_gets_the_sites_500_page(db):
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "<title>Something went wrong · Unbundled</title>" in text
    assert '<header class="site-header">' in text
    assert "<h1>Something went wrong on our side</h1>" in text
    assert 'rel="stylesheet" href="/static/css/site.css"' in text
    assert "Content-Security-Policy" in response.headers


def test_the_500_page_needs_nothing_from_the_request():
    # No session, no user, no database: what broke the page may be any of them.
    request = RequestFactory().get("/anything/")
    response = server_error(request)
    assert response.status_code == 500
    assert "<h1>Something went wrong on our side</h1>" in response.content.decode()

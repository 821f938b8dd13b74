"""A database connection the server killed must not cost the next request a 500.

Django's test client switches off the per-request connection clean-up (close_old_connections)
that a real server runs, so these requests go through Django's WSGI handler itself, in this
thread, as a synchronous WSGI server (gunicorn's sync worker) calls it: the connection it
keeps between requests (CONN_MAX_AGE) is this thread's.
"""

import io
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import psycopg
import pytest
from allauth.account.models import EmailAddress
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_terminate_backend needs PostgreSQL"
)


@pytest.fixture(autouse=True)
def fresh_persistent_connection():
    """Start each test on a new connection that nothing will retire during the test.

    The connection this thread keeps may have been opened by an earlier test; once it is
    CONN_MAX_AGE seconds old (a slow run on a loaded machine), the first request's clean-up
    closes it and there is nothing left to terminate. A new connection with a long age
    keeps the test about what it tests: a connection the server killed.
    """
    max_age = connection.settings_dict["CONN_MAX_AGE"]
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = 600
    yield
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = max_age


class WSGIResponse:
    def __init__(self, status, headers, body):
        self.status_code = int(status.split()[0])
        self.headers = headers
        self.text = body.decode()


def wsgi_request(path, *, method="GET", data=None, cookies=None):
    body = urlencode(data or {}).encode()
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if cookies:
        environ["HTTP_COOKIE"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    started = {}

    def start_response(status, headers, exc_info=None):
        started.update(status=status, headers=headers)

    chunks = WSGIHandler()(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        chunks.close()  # fires request_finished, as a WSGI server does
    return WSGIResponse(started["status"], started["headers"], body)


def cookies_from(response):
    jar = SimpleCookie()
    for name, value in response.headers:
        if name.lower() == "set-cookie":
            jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def terminate_this_threads_connection():
    """Kill the server side of the connection Django keeps, from another connection."""
    assert connection.connection is not None, "the first request left no connection open"
    backend_pid = connection.connection.info.backend_pid
    settings = connection.get_connection_params()
    settings.pop("cursor_factory", None)
    settings.pop("context", None)
    settings.pop("prepare_threshold", None)
    with psycopg.connect(**settings, autocommit=True) as admin:
        [[terminated]] = admin.execute("SELECT pg_terminate_backend(%s)", [backend_pid]).fetchall()
    assert terminated is True


@pytest.mark.django_db(transaction=True)
def test_get_after_the_connection_was_terminated_succeeds(public_learner):
    first = wsgi_request("/p/public-learner/")
    assert first.status_code == 200
    assert "Public Learner" in first.text
    assert connection.settings_dict["CONN_MAX_AGE"] > 0  # the connection is kept, and reused

    terminate_this_threads_connection()

    second = wsgi_request("/p/public-learner/")
    assert second.status_code == 200
    assert "Public Learner" in second.text


@pytest.mark.django_db(transaction=True)
def test_post_after_the_connection_was_terminated_succeeds():
    user = UserFactory(email="someone@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    login_page = wsgi_request("/accounts/login/")
    assert login_page.status_code == 200
    cookies = cookies_from(login_page)

    terminate_this_threads_connection()

    login = wsgi_request(
        "/accounts/login/",
        method="POST",
        data={
            "login": "someone@example.com",
            "password": TEST_PASSWORD,
            "csrfmiddlewaretoken": cookies["csrftoken"],
        },
        cookies=cookies,
    )
    assert login.status_code == 302, login.text[:2000]
    assert dict(login.headers)["Location"] == "/dashboard/"
    assert "sessionid" in cookies_from(login)

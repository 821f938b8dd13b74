"""The Redis branch of the cache settings, against the real Redis on loopback.

Login rate limits are the reason the cache must be shared: allauth counts failed logins in it,
and per-process memory would give each web process its own count. These tests switch the
site's cache to exactly what config/settings.py builds for a Redis broker, then check the
limit through the login page and that the counters live in Redis, where every process sees
them. Redis is UNBUNDLED_TEST_REDIS_URL's server (as for the real-worker tests), database 14.
"""

import os
import uuid
from collections.abc import Iterator

import pytest
import redis
from allauth.account.models import EmailAddress
from django.core.cache import cache, caches
from django.test import Client
from django.urls import reverse

from tests.config.test_settings import load_settings, production_environment
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

WRONG_LOGIN = "The email address and/or password you specified are not correct."
TOO_MANY = "Too many failed login attempts. Try again later."


@pytest.fixture(scope="session")
def redis_server_url() -> str:
    url = os.environ.get("UNBUNDLED_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    url = url.rsplit("/", 1)[0] + "/14"
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        reason = f"Redis at {url} does not answer PING ({error}); start redis-server"
        if os.environ.get("UNBUNDLED_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason} (UNBUNDLED_REQUIRE_SERVICES=1 forbids skipping)")
        pytest.skip(reason)
    finally:
        client.close()
    return url


@pytest.fixture
def redis_cache(redis_server_url, settings, monkeypatch, tmp_path) -> Iterator[redis.Redis]:
    """The site's cache as settings.py makes it for a Redis broker; yields a raw client."""
    env = {**production_environment(tmp_path), "CELERY_BROKER_URL": redis_server_url}
    with monkeypatch.context() as environment:
        configured = load_settings(environment, env)["CACHES"]
    assert configured["default"]["BACKEND"] == "config.cache.ReusedClientRedisCache"
    # A prefix of this test's own, so parallel test processes sharing the server never meet.
    prefix = f"{configured['default']['KEY_PREFIX']}-test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {"default": {**configured["default"], "KEY_PREFIX": prefix}}
    raw = redis.Redis.from_url(redis_server_url)
    try:
        yield raw
    finally:
        for key in raw.scan_iter(f"{prefix}:*"):
            raw.delete(key)
        raw.close()


def keys_of(raw: redis.Redis) -> list[str]:
    prefix = caches["default"].key_prefix
    return [key.decode() for key in raw.scan_iter(f"{prefix}:*")]


@pytest.fixture
def verified_learner(learner):
    EmailAddress.objects.update_or_create(
        user=learner, email=learner.email, defaults={"verified": True, "primary": True}
    )
    return learner


def log_in(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_the_cache_is_redis_and_what_it_stores_is_in_redis(redis_cache):
    cache.set("greeting", "hello", 60)

    assert keys_of(redis_cache) == [f"{caches['default'].key_prefix}:1:greeting"]
    assert cache.get("greeting") == "hello"


def test_failed_logins_are_counted_in_redis_and_the_limit_holds(
    client, redis_cache, verified_learner
):
    for _attempt in range(5):
        assert WRONG_LOGIN in log_in(client, verified_learner.email, "guess").text
    assert keys_of(redis_cache) != []

    # Another web process has connections of its own to the same Redis: with ours dropped and
    # a new browser session, the count is still there.
    caches.close_all()
    del caches["default"]
    response = log_in(Client(), verified_learner.email, TEST_PASSWORD)

    assert TOO_MANY in response.text


def test_a_right_password_still_works_below_the_limit(client, redis_cache, verified_learner):
    for _attempt in range(4):
        log_in(client, verified_learner.email, "guess")

    response = log_in(client, verified_learner.email, TEST_PASSWORD)

    assert response.url == reverse("dashboard")
    assert keys_of(redis_cache) != []


def test_one_redis_client_serves_every_cache_call(redis_cache):
    # Django's own backend builds a redis.Redis per call (config/cache.py says why not).
    backend = caches["default"]
    cache.set_many({"a": 1, "b": 2}, 60)

    assert cache.get_many(["a", "b", "missing"]) == {"a": 1, "b": 2}
    assert cache.add("a", 3, 60) is False
    assert backend._cache.get_client(write=True) is backend._cache.get_client(write=False)
    assert backend._cache.get_client(write=True).ping() is True

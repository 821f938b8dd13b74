"""config/settings.py read under different environments, and the env helpers it uses.

Each settings test executes the file afresh in its own namespace (runpy.run_path), so the
running test settings are never touched; `manage.py check --deploy` needs a fresh process.
"""

import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parents[2]
# Everything settings.py reads, so neither the developer's shell nor CI's PostgreSQL run
# (DATABASE_URL set) leaks into these tests. DJANGO_SETTINGS_MODULE is deliberately kept.
_CONFIG_PREFIXES = (
    "ACCOUNT_",
    "AWS_",
    "CELERY_",
    "DATABASE_",
    "DEFAULT_FROM_EMAIL",
    "DJANGO_",
    "EMAIL_",
    "REDIS_",
    "UNBUNDLED_",
)
PRODUCTION_VARIABLES = [
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "EMAIL_HOST",
    "AWS_STORAGE_BUCKET_NAME",
]
PRODUCTION_VALUES = {
    "DATABASE_URL": "postgres://unbundled:pw@db.internal:5432/unbundled",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "EMAIL_HOST": "smtp.example.org",
    "AWS_STORAGE_BUCKET_NAME": "unbundled-media",
}


def clean_environment(tmp_path):
    """os.environ without any configuration variable, with state kept under tmp_path."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name == "DJANGO_SETTINGS_MODULE" or not name.startswith(_CONFIG_PREFIXES)
    }
    env["UNBUNDLED_VAR_DIR"] = str(tmp_path / "var")
    return env


def production_environment(tmp_path):
    """The whole production profile, as a deployment sets it (SQLite stands in for PostgreSQL)."""
    return {
        **clean_environment(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        # Without SMTP, check --deploy refuses the console mailer (mail.E001), rightly:
        # verification and password-reset e-mails would never leave the server.
        "EMAIL_HOST": "smtp.example.org",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(45),  # 60 characters
        "DJANGO_ALLOWED_HOSTS": "example.org",
        # Issuers' signing keys are encrypted with it; check --deploy insists on it.
        "UNBUNDLED_SIGNING_SECRET": secrets.token_urlsafe(32),
    }


def load_settings(monkeypatch, env):
    """Execute config/settings.py with exactly `env` as the environment; return its names."""
    for name in list(os.environ):
        if name not in env:
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(BASE_DIR / "config" / "settings.py"))


def test_nothing_set_gives_the_embedded_debug_profile(monkeypatch, tmp_path):
    settings = load_settings(monkeypatch, clean_environment(tmp_path))

    assert settings["DEBUG"] is True
    assert settings["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert settings["DATABASES"]["default"]["NAME"] == str(tmp_path / "var" / "db.sqlite3")
    assert settings["MAILERS"]["default"]["BACKEND"] == (
        "django.core.mail.backends.console.EmailBackend"
    )
    assert settings["CELERY_TASK_ALWAYS_EAGER"] is True
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert settings["SECURE_SSL_REDIRECT"] is False


@pytest.mark.parametrize("variable", PRODUCTION_VARIABLES)
def test_any_production_service_turns_debug_off_and_requires_a_secret_key(
    monkeypatch, tmp_path, variable
):
    env = {**clean_environment(tmp_path), variable: PRODUCTION_VALUES[variable]}

    with pytest.raises(ImproperlyConfigured) as excinfo:
        load_settings(monkeypatch, env)

    assert str(excinfo.value) == (
        "The environment variable DJANGO_SECRET_KEY must be set (for example "
        "DJANGO_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))'))."
    )


@pytest.mark.parametrize("variable", PRODUCTION_VARIABLES)
def test_any_production_service_defaults_debug_off(monkeypatch, tmp_path, variable):
    env = {
        **clean_environment(tmp_path),
        variable: PRODUCTION_VALUES[variable],
        "DJANGO_SECRET_KEY": "k" * 50,
    }

    assert load_settings(monkeypatch, env)["DEBUG"] is False


def test_a_short_secret_key_is_refused(monkeypatch, tmp_path):
    env = {**production_environment(tmp_path), "DJANGO_SECRET_KEY": "too-short"}

    with pytest.raises(ImproperlyConfigured, match=r"^DJANGO_SECRET_KEY must be at least 50"):
        load_settings(monkeypatch, env)


def test_database_url_selects_postgresql(monkeypatch, tmp_path):
    env = {
        **production_environment(tmp_path),
        "DATABASE_URL": PRODUCTION_VALUES["DATABASE_URL"],
    }

    database = load_settings(monkeypatch, env)["DATABASES"]["default"]

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["NAME"]) == ("db.internal", "unbundled")


def test_production_profile_turns_on_https_protections(monkeypatch, tmp_path):
    settings = load_settings(monkeypatch, production_environment(tmp_path))

    assert settings["DEBUG"] is False
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["CSRF_COOKIE_SECURE"] is True
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SECURE_HSTS_SECONDS"] == 31_536_000
    assert settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert settings["SECURE_HSTS_PRELOAD"] is True
    assert settings["ACCOUNT_DEFAULT_HTTP_PROTOCOL"] == "https"
    assert settings["ALLOWED_HOSTS"] == ["example.org"]


def test_debug_can_be_forced_on_for_local_debugging_of_a_production_profile(monkeypatch, tmp_path):
    env = {**production_environment(tmp_path), "DJANGO_DEBUG": "1"}

    settings = load_settings(monkeypatch, env)

    assert settings["DEBUG"] is True
    # DEBUG only chooses the default for cookie security; the services stay as configured.
    assert (
        settings["MAILERS"]["default"]["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    )


def test_email_verification_is_mandatory_unless_the_environment_relaxes_it(monkeypatch, tmp_path):
    env = clean_environment(tmp_path)
    assert load_settings(monkeypatch, env)["ACCOUNT_EMAIL_VERIFICATION"] == "mandatory"

    env["ACCOUNT_EMAIL_VERIFICATION"] = "optional"
    assert load_settings(monkeypatch, env)["ACCOUNT_EMAIL_VERIFICATION"] == "optional"


def test_an_unknown_email_verification_mode_stops_start_up(monkeypatch, tmp_path):
    env = {**clean_environment(tmp_path), "ACCOUNT_EMAIL_VERIFICATION": "sometimes"}

    with pytest.raises(ImproperlyConfigured) as excinfo:
        load_settings(monkeypatch, env)

    assert str(excinfo.value) == (
        "ACCOUNT_EMAIL_VERIFICATION='sometimes' is not allowed; "
        "use one of: mandatory, optional, none."
    )


def test_nothing_disables_allauths_rate_limits(monkeypatch, tmp_path):
    settings = load_settings(monkeypatch, production_environment(tmp_path))

    assert "ACCOUNT_RATE_LIMITS" not in settings
    assert "ACCOUNT_LOGIN_ATTEMPTS_LIMIT" not in settings


def test_check_deploy_passes_in_the_production_profile(tmp_path):
    # -W error turns any deprecated setting (allauth's or Django's) into a failure too.
    command = ["manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    result = subprocess.run(  # noqa: S603  # fixed arguments, our own interpreter
        [sys.executable, "-W", "error::DeprecationWarning", *command],
        cwd=BASE_DIR,
        env={**production_environment(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_check_deploy_refuses_a_deployment_without_a_signing_secret(tmp_path):
    env = production_environment(tmp_path)
    del env["UNBUNDLED_SIGNING_SECRET"]
    result = subprocess.run(  # fixed arguments, our own interpreter
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1
    assert "(credentials.E001) UNBUNDLED_SIGNING_SECRET is not set" in result.stderr
    # Only that: the rest of the production profile is as check --deploy wants it.
    assert "System check identified 1 issue" in result.stderr


def test_the_embedded_profile_keeps_its_signing_secret_in_var_and_a_deployment_does_not(
    monkeypatch, tmp_path
):
    embedded = load_settings(monkeypatch, clean_environment(tmp_path))
    assert embedded["SIGNING_SECRET"] == ""
    assert embedded["SIGNING_SECRET_FILE"] == tmp_path / "var" / "signing-secret"
    assert embedded["DID_METHOD"] == "web"

    deployed = load_settings(monkeypatch, production_environment(tmp_path))
    assert deployed["SIGNING_SECRET_FILE"] is None
    assert len(deployed["SIGNING_SECRET"]) >= 32


def test_env_str_names_the_missing_variable_and_an_example(monkeypatch):
    monkeypatch.delenv("UNBUNDLED_EXAMPLE", raising=False)

    with pytest.raises(ImproperlyConfigured) as excinfo:
        env_str("UNBUNDLED_EXAMPLE", required=True, example="abc")

    assert str(excinfo.value) == (
        "The environment variable UNBUNDLED_EXAMPLE must be set (for example UNBUNDLED_EXAMPLE=abc)."
    )


def test_env_str_treats_an_empty_value_as_missing(monkeypatch):
    monkeypatch.setenv("UNBUNDLED_EXAMPLE", "")

    assert env_str("UNBUNDLED_EXAMPLE", "fallback") == "fallback"
    with pytest.raises(ImproperlyConfigured, match=r"UNBUNDLED_EXAMPLE must be set\.$"):
        env_str("UNBUNDLED_EXAMPLE", required=True)


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("Yes", True), (" on ", True), ("0", False), ("off", False)]
)
def test_env_bool_reads_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("UNBUNDLED_EXAMPLE", raw)

    assert env_bool("UNBUNDLED_EXAMPLE", default=not expected) is expected


def test_env_bool_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("UNBUNDLED_EXAMPLE", "maybe")

    with pytest.raises(ImproperlyConfigured) as excinfo:
        env_bool("UNBUNDLED_EXAMPLE", default=False)

    assert str(excinfo.value) == (
        "UNBUNDLED_EXAMPLE='maybe' is not a boolean; use 1/0, true/false, yes/no."
    )


def test_env_int_reads_whole_numbers_and_refuses_others(monkeypatch):
    monkeypatch.setenv("UNBUNDLED_EXAMPLE", "25")
    assert env_int("UNBUNDLED_EXAMPLE", 20) == 25

    monkeypatch.setenv("UNBUNDLED_EXAMPLE", "20MB")
    with pytest.raises(ImproperlyConfigured) as excinfo:
        env_int("UNBUNDLED_EXAMPLE", 20)
    assert str(excinfo.value) == "UNBUNDLED_EXAMPLE='20MB' is not a whole number."


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("UNBUNDLED_EXAMPLE", "example.org, www.example.org,,")

    assert env_list("UNBUNDLED_EXAMPLE", []) == ["example.org", "www.example.org"]


def test_env_choice_falls_back_to_the_default(monkeypatch):
    monkeypatch.delenv("UNBUNDLED_EXAMPLE", raising=False)

    assert env_choice("UNBUNDLED_EXAMPLE", "b", ["a", "b"]) == "b"


def test_a_redis_broker_without_a_cache_url_shares_its_redis_for_the_cache(monkeypatch, tmp_path):
    # Login rate limits live in the cache: per-process memory would let each web worker
    # count separately, so a deployment that has Redis uses it.
    env = {**production_environment(tmp_path), "CELERY_BROKER_URL": "redis://redis.internal:6379/0"}

    settings = load_settings(monkeypatch, env)

    cache = settings["CACHES"]["default"]
    assert cache["BACKEND"] == "config.cache.ReusedClientRedisCache"
    assert cache["LOCATION"] == "redis://redis.internal:6379/0"
    # Its own key prefix keeps cache entries apart from the broker's keys.
    assert cache["KEY_PREFIX"] == "unbundled-cache"


def test_redis_cache_url_wins_over_the_broker(monkeypatch, tmp_path):
    env = {
        **production_environment(tmp_path),
        "CELERY_BROKER_URL": "rediss://redis.internal:6380/0",
        "REDIS_CACHE_URL": "redis://cache.internal:6379/1",
    }

    settings = load_settings(monkeypatch, env)

    assert settings["CACHES"]["default"]["LOCATION"] == "redis://cache.internal:6379/1"


def test_without_redis_the_cache_is_per_process_memory(monkeypatch, tmp_path):
    env = {**production_environment(tmp_path), "CELERY_BROKER_URL": "amqp://rabbit.internal//"}

    settings = load_settings(monkeypatch, env)

    assert settings["CACHES"]["default"]["BACKEND"] == (
        "django.core.cache.backends.locmem.LocMemCache"
    )
    # Sessions then stay in the database alone: one process's memory must not keep a
    # session another process has ended.
    assert settings["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


def test_with_a_shared_redis_cache_sessions_are_read_from_it(monkeypatch, tmp_path):
    env = {**production_environment(tmp_path), "REDIS_CACHE_URL": "redis://cache.internal:6379/1"}

    settings = load_settings(monkeypatch, env)

    assert settings["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"

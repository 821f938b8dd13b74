"""Log output of the real settings: each record is printed once, at the configured level.

Logging is configured by django.setup() from config.settings, so each test starts a fresh
interpreter with exactly the environment it names (pytest has configured logging already).
"""

import subprocess
import sys

import pytest

from tests.config.test_settings import BASE_DIR, clean_environment

LOG_SOME_LINES = """
import logging
import django

django.setup()
logging.getLogger("django.request").warning("request-marker")
logging.getLogger("django.security.csrf").info("csrf-marker")
logging.getLogger("django.server").info("server-marker")
logging.getLogger("portfolio.tasks").warning("app-marker")
"""


def log_output(tmp_path, **variables):
    """What the settings print for LOG_SOME_LINES, with only `variables` configured."""
    env = {
        **clean_environment(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "k" * 50,
        **variables,
    }
    finished = subprocess.run(  # noqa: S603  # fixed arguments, our own interpreter
        [sys.executable, "-c", LOG_SOME_LINES],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return finished.stdout + finished.stderr


@pytest.mark.parametrize("debug", ["1", "0"])
def test_every_record_prints_exactly_once(tmp_path, debug):
    output = log_output(tmp_path, DJANGO_DEBUG=debug)

    # Django's own "django" handler printed a second copy of these while DEBUG was on.
    assert output.count("request-marker") == 1
    assert output.count("csrf-marker") == 1
    assert output.count("server-marker") == 1
    assert output.count("app-marker") == 1


def test_the_log_level_applies_to_djangos_loggers_too(tmp_path):
    output = log_output(tmp_path, DJANGO_DEBUG="1", DJANGO_LOG_LEVEL="WARNING")

    assert "csrf-marker" not in output
    assert output.count("request-marker") == 1
    assert output.count("app-marker") == 1

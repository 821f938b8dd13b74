"""Test settings: config.settings, changed only where speed and isolation need it."""

import atexit
import os
import secrets
import shutil
import tempfile
from pathlib import Path

# A production-like run (DATABASE_URL set, so DEBUG defaults off) needs a key to import the
# settings at all; a fixed one is fine for a throwaway test database.
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-key-" + "x" * 50)

from config.settings import *  # noqa: F403
from config.settings import DATABASES, STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.InMemoryStorage",
        "OPTIONS": {"base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CELERY_TASK_ALWAYS_EAGER = True
# Signing keys are encrypted with a secret of this process's own, never a file in var/.
SIGNING_SECRET = secrets.token_urlsafe(32)
SIGNING_SECRET_FILE = None
# Tests speak plain HTTP through the test client.
SECURE_SSL_REDIRECT = False
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Serve static files from the finders, as runserver does, so tests need no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The real-worker tests (tests/integration) share the test database with a Celery worker
    # process, which cannot see SQLite's default in-memory one. The file (suffixed _gw<n> per
    # xdist worker) lives in a directory of this process's own, removed at exit together with
    # the -wal and -shm files that a connection left open by a test thread would leave behind.
    _test_db_dir = tempfile.mkdtemp(prefix="unbundled-test-db-")
    atexit.register(shutil.rmtree, _test_db_dir, ignore_errors=True)
    DATABASES["default"]["TEST"] = {"NAME": str(Path(_test_db_dir) / "test.sqlite3")}

"""What the HTTP benchmarks share: the production profile, gunicorn, wrk and the trivial view.

Every figure is a ratio to the trivial HttpResponse("ok") view at /_bench/ok/
(benchmarks/trivial_site/urls.py, a URLconf only the benchmarks use), measured on the same
server in the same run, so a busy machine slows the baseline and the pages alike.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "8765"))
BASE_URL = f"http://127.0.0.1:{PORT}"
TRIVIAL_URL = f"{BASE_URL}/_bench/ok/"


def environment(var_dir: str, database_url: str) -> dict[str, str]:
    """The production profile (DEBUG off, persistent connections, the Redis cache)."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.trivial_site.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": os.environ.get("BENCH_SECRET_KEY", "bench-" + "k" * 60),
            "DJANGO_HTTPS": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
            "DATABASE_CONN_MAX_AGE": "600",
            "REDIS_CACHE_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"),
            "UNBUNDLED_VAR_DIR": var_dir,
            "UNBUNDLED_SITE_URL": BASE_URL,
            "DJANGO_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def create_database(database_url: str) -> bool:
    """Create the database if it is missing; True if it was made now."""
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    server = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    return not exists


def manage(env: dict[str, str], *args: str) -> None:
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    subprocess.run(command, env=env, check=True, cwd=ROOT)  # noqa: S603  # our own command


@contextmanager
def production_profile(database_url: str) -> Iterator[dict[str, str]]:
    """Set up this process as the server will run: migrated database, collected static."""
    for tool in ("wrk",):
        if shutil.which(tool) is None:
            raise SystemExit("wrk is missing: apt-get install wrk")
    var_dir = tempfile.mkdtemp(prefix="unbundled-bench-")
    env = environment(var_dir, database_url)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    try:
        create_database(database_url)
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "collectstatic", "--no-input", "-v", "0")
        yield env
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


@contextmanager
def gunicorn(env: dict[str, str]) -> Iterator[str]:
    """gunicorn with 2 sync workers on loopback; yields the base URL once it answers."""
    binary = Path(sys.executable).parent / "gunicorn"
    if not binary.exists():
        raise SystemExit(
            "gunicorn is missing from .venv: run bin/test once to install the dev tools"
        )
    server = subprocess.Popen(  # noqa: S603  # gunicorn from .venv, fixed arguments
        [
            str(binary),
            "config.wsgi:application",
            "--workers", "2",
            "--worker-class", "sync",
            "--bind", f"127.0.0.1:{PORT}",
            "--log-level", "warning",
        ],
        env={**env, "DJANGO_SETTINGS_MODULE": "benchmarks.trivial_site.settings"},
        cwd=ROOT,
    )  # fmt: skip
    try:
        _wait_for(TRIVIAL_URL)
        yield BASE_URL
    finally:
        server.terminate()
        server.wait(timeout=30)


def wrk(url: str, *, seconds: int, cookie: str = "") -> float:
    """Requests per second of one URL: one thread, four connections."""
    command = ["wrk", "-t1", "-c4", f"-d{seconds}s", url]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    # wrk with our own arguments and loopback URLs.
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{url} answered {errors.group(1)} errors under load:\n{output}")
    match = re.search(r"Requests/sec:\s+([0-9.]+)", output)
    if match is None:
        raise SystemExit(f"Could not read wrk's output:\n{output}")
    return float(match.group(1))


def check(url: str, cookie: str = "") -> str:
    """The page's text; exits unless it answers 200."""
    # Always an http://127.0.0.1 URL this script built.
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        if response.status != 200:
            raise SystemExit(f"{url} answered {response.status}")
        text: str = response.read().decode()
        return text


def _wait_for(url: str) -> None:
    for _attempt in range(100):
        try:
            check(url)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer at {url}")


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def ratio_rounds(
    pages: dict[str, tuple[str, str]], *, rounds: int, seconds: int
) -> dict[str, list[float]]:
    """Each round: the trivial view, then each (URL, cookie); each page's rate over the
    round's baseline, printed as it goes."""
    for url, cookie in pages.values():
        check(url, cookie)
    ratios: dict[str, list[float]] = {name: [] for name in pages}
    for round_number in range(1, rounds + 1):
        baseline = wrk(TRIVIAL_URL, seconds=seconds)
        print(
            f"round {round_number}: trivial view {baseline:.0f} req/s"
            f" (load average {load_average()})",
            flush=True,
        )
        for name, (url, cookie) in pages.items():
            rate = wrk(url, seconds=seconds, cookie=cookie)
            ratios[name].append(rate / baseline)
            print(f"  {name}: {rate:.0f} req/s ({rate / baseline:.2f}x)", flush=True)
    return ratios

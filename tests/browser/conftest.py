"""Browser-test harness: Debian's chromium driven by Playwright against pytest-django's live_server.

Tests in this package mark themselves with ``pytestmark = pytest.mark.browser`` and use the
``page`` fixture (a fresh browser context per test) with ``live_server.url``. Screenshots go to
``<artefacts>/screenshots/<test module>/``, where ``<artefacts>`` is UNBUNDLED_ARTEFACTS_DIR or
else ``test-artifacts/`` at the repository root (git-ignored); CI keeps them.

Every page a test opens is watched: a console error, an uncaught script error or a
Content-Security-Policy violation fails the test (``page_problems.allow(pattern)`` lets a test
that provokes one on purpose say so). ``tests/browser/accessibility.py`` has the shared checks
(axe-core, reflow, heading order) any journey can call.

Playwright never downloads a browser here: it launches the system chromium (or the binary named
by UNBUNDLED_CHROMIUM). Without one, the tests skip, unless UNBUNDLED_REQUIRE_BROWSER=1 (set by
CI), which turns the skip into a failure so browser tests can never silently stop running.
"""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from django.db import connections
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright

# Playwright's sync API runs an asyncio event loop in the test thread (in a greenlet), and once
# the session-wide browser has started, that loop counts as "running" for every later test in
# the process, browser test or not. Django's async-unsafe guard then refuses ORM calls from the
# test thread. The tests are still strictly sequential, so it is safe to switch the guard off
# for the whole test process; it must happen before the first browser test, hence module level.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS_DIR = Path(os.environ.get("UNBUNDLED_ARTEFACTS_DIR") or REPO_ROOT / "test-artifacts")
SCREENSHOT_DIR = ARTEFACTS_DIR.resolve() / "screenshots"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
# Generous waits: a loaded CI machine is slower than a laptop, and a wait ends as soon as the
# condition holds, so passing tests do not get slower.
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)

ScreenshotFunction = Callable[..., Path]

# Runs in every document before the page's own scripts (injected by the browser, so the page's
# CSP does not apply to it). Chromium also logs violations to the console, but only the event
# says which directive was violated and also fires for report-only policies.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__unbundledCspViolation(
    `${event.disposition} ${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` (${event.sourceFile || document.location.href}:${event.lineNumber})`
  );
});
"""


class PageProblems:
    """What went wrong inside the pages of one test: console errors, script errors, CSP violations."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self._allowed: list[re.Pattern[str]] = []

    def allow(self, pattern: str) -> None:
        """Accept problems matching ``pattern`` (a regular expression), for a test that provokes them."""
        self._allowed.append(re.compile(pattern))

    def record(self, problem: str) -> None:
        self.seen.append(problem)

    def watch(self, context) -> None:
        context.on("console", self._on_console)
        context.on("weberror", lambda error: self.record(f"uncaught script error: {error.error}"))
        context.expose_function(
            "__unbundledCspViolation", lambda text: self.record(f"CSP violation: {text}")
        )
        context.add_init_script(CSP_LISTENER)

    def _on_console(self, message) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            self.record(f"console error at {where}: {message.text}")

    def unexpected(self) -> list[str]:
        return [
            problem
            for problem in self.seen
            if not any(pattern.search(problem) for pattern in self._allowed)
        ]


def _browser_unavailable(reason: str) -> NoReturn:
    if os.environ.get("UNBUNDLED_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (UNBUNDLED_REQUIRE_BROWSER=1 forbids skipping browser tests)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    executable = os.environ.get("UNBUNDLED_CHROMIUM", DEFAULT_CHROMIUM)
    if not os.access(executable, os.X_OK):
        if "UNBUNDLED_CHROMIUM" in os.environ:
            _browser_unavailable(f"UNBUNDLED_CHROMIUM={executable} is not an executable file")
        _browser_unavailable("Debian's chromium is not installed: apt-get install chromium")
    # Playwright gives every launch a fresh temporary profile (user-data-dir) of its own.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # While Playwright's loop runs, Django (through asgiref's Local) keeps this thread's
        # database connections per asyncio context rather than per thread, so the ones opened
        # since the launch become unreachable once the loop stops. Close them while they can
        # still be reached; on PostgreSQL an open one would stop the test database being dropped.
        connections.close_all()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


def _screenshot_path(request: pytest.FixtureRequest, suffix: str) -> Path:
    """<artefacts>/screenshots/<test module>/<test name>--<suffix>.png"""
    module: str = request.node.path.stem
    test: str = request.node.name
    folder = SCREENSHOT_DIR / module
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{_slug(test)}--{_slug(suffix)}.png"


@pytest.fixture
def screenshot(request) -> ScreenshotFunction:
    """``screenshot(page, "step-name")`` saves a numbered full-page PNG named after the test."""
    counter = 0

    def take(page, name: str) -> Path:
        nonlocal counter
        counter += 1
        path = _screenshot_path(request, f"{counter:02d}-{name}")
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(autouse=True)
def public_media_served(settings) -> None:
    """The live server answers /media/ from the tests' in-memory storage (badges, avatars)."""
    settings.ROOT_URLCONF = "tests.browser.urls"


@pytest.fixture
def page_problems() -> PageProblems:
    """Console errors, script errors and CSP violations seen by this test's pages."""
    return PageProblems()


@pytest.fixture
def new_page(browser, request, page_problems) -> Iterator[Callable[[], object]]:
    """Opens pages in fresh, isolated contexts (e.g. an anonymous visitor next to a signed-in one).

    Each context is closed after the test; on failure, every open page is screenshotted first.
    Any console error, script error or CSP violation in any of them fails the test.
    """
    contexts = []
    # Screenshots left by an earlier run of this test (a failure since fixed) would mislead.
    for stale in _screenshot_path(request, "*").parent.glob(f"{_slug(request.node.name)}--*.png"):
        stale.unlink()

    def open_page():
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(TIMEOUT_MS)
        page_problems.watch(context)
        contexts.append(context)
        return context.new_page()

    yield open_page

    report = getattr(request.node, "rep_call", None)
    failed = report is not None and report.failed
    for number, context in enumerate(contexts, start=1):
        if failed:
            for tab, page in enumerate(context.pages, start=1):
                path = _screenshot_path(request, f"FAILED-context{number}-page{tab}")
                try:
                    page.screenshot(path=str(path), full_page=True)
                except PlaywrightError as error:
                    # A crashed page must not hide the test's own failure.
                    print(f"Could not screenshot {path.name}: {error}")
        context.close()

    if problems := page_problems.unexpected():
        pytest.fail("The pages reported problems:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def page(new_page):
    """A page in a new browser context (1280x800) for this test only."""
    return new_page()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test item so fixtures can tell, at teardown, whether the
    # test failed (the pattern from pytest's own documentation).
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report

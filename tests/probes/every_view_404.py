"""Opt-in probe for tests that could not fail: every view of ours answers 404.

    bin/test -n 0 -p tests.probes.every_view_404 --ignore=tests/browser --ignore=tests/integration

Each URL still resolves, but the view is replaced by one that raises Http404. At the end the
probe lists (in one process, hence -n 0) the tests that requested at least one page and still passed. A test there either
checks a 404 on purpose (fine when another test shows the same URL working for someone who may
see it) or asserts only that something is absent, which a 404 page satisfies too.
"""

from collections.abc import Callable, Generator
from typing import Any

import pytest
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import ResolverMatch, resolvers

OUR_MODULES = ("portfolio", "credentials", "assessments", "config", "allauth", "django.contrib")

_passed_although_404: list[str] = []


def _raise_404(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404("every_view_404 probe")


@pytest.fixture(autouse=True)
def _every_view_answers_404(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    original: Callable[[resolvers.URLResolver, Any], ResolverMatch] = resolvers.URLResolver.resolve
    replaced: list[str] = []

    def resolve(self: resolvers.URLResolver, path: Any) -> ResolverMatch:
        match = original(self, path)
        module = getattr(match.func, "__module__", "") or ""
        if module.startswith(OUR_MODULES) and not module.startswith("django.contrib.staticfiles"):
            replaced.append(match.route)
            match.func = _raise_404
        return match

    monkeypatch.setattr(resolvers.URLResolver, "resolve", resolve)
    return replaced


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    replaced = getattr(item, "funcargs", {}).get("_every_view_answers_404")
    if report.when == "call" and report.passed and replaced:
        _passed_although_404.append(item.nodeid)
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    terminalreporter.section("tests that passed although every view answered 404")
    for nodeid in _passed_although_404:
        terminalreporter.write_line(nodeid)
    terminalreporter.write_line(f"{len(_passed_although_404)} test(s)")

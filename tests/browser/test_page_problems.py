"""The harness itself: what it must notice in a page, so every journey fails on it."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_clean_page_reports_nothing(live_server, page, page_problems):
    page.goto(live_server.url)
    expect(page.get_by_role("link", name="Start your portfolio")).to_be_visible()
    assert page_problems.seen == []


def test_csp_violations_console_errors_and_script_errors_are_recorded(
    live_server, page, page_problems
):
    page.goto(live_server.url)
    expect(page.get_by_role("link", name="Start your portfolio")).to_be_visible()
    # What a template slip would do: an inline style element, an inline script, a style
    # attribute. The page's CSP refuses all three.
    page.evaluate(
        """() => {
          const style = document.createElement("style");
          style.textContent = "body { color: red; }";
          document.head.append(style);
          const script = document.createElement("script");
          script.textContent = "window.inlineRan = true;";
          document.body.append(script);
          document.body.insertAdjacentHTML("beforeend", '<p style="color: red">styled</p>');
        }"""
    )
    page.evaluate("() => console.error('something broke')")
    page.evaluate("() => setTimeout(() => { throw new Error('uncaught boom'); }, 0)")
    page.wait_for_function("() => document.querySelector('p[style]') !== null")
    # The CSP events arrive through a binding; wait until the three have come back.
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.inlineRan === undefined")

    seen = "\n".join(page_problems.seen)
    assert "CSP violation: enforce style-src-elem blocked inline" in seen
    assert "CSP violation: enforce script-src-elem blocked inline" in seen
    assert "CSP violation: enforce style-src-attr blocked inline" in seen
    assert "console error" in seen
    assert "something broke" in seen
    assert "uncaught script error: " in seen
    assert "uncaught boom" in seen

    assert page_problems.unexpected() == page_problems.seen
    # Accepting them (as a test provoking them on purpose would) is what lets this test pass.
    page_problems.allow("CSP violation|Content Security Policy|something broke|uncaught boom")
    assert page_problems.unexpected() == []


def test_a_missing_file_is_a_console_error(live_server, page, page_problems):
    response = page.goto(f"{live_server.url}/static/css/no-such-file.css")
    assert response is not None
    assert response.status == 404
    assert any("404" in problem for problem in page_problems.seen), page_problems.seen
    page_problems.allow("404")

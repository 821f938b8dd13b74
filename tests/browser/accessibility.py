"""Accessibility checks any browser test can run on the page in front of it.

- ``axe_problems``: axe-core's WCAG 2.0/2.1/2.2 A and AA rules; serious and critical violations.
  axe-core is vendored in ``vendor/axe-core/`` (see its README) and injected through Playwright,
  which the page's Content-Security-Policy does not govern; nothing is fetched at run time.
- ``reflow_problems``: WCAG 1.4.10, the page must not scroll sideways, and no box inside it may
  hide content in a sideways scroller (code blocks excepted) at the width the test chose.
- ``heading_problems``: one ``h1``, and no heading deeper than one level below the one before.
- ``focus_problems``: every control, focused from the keyboard, shows an outline at least 2px
  wide whose colour has 3:1 contrast against what lies behind it (WCAG 1.4.11 and 2.4.13's
  measure), read at the middle of each side of the ring.

Each returns a list of readable problems (empty when the page passes), so a test walking many
pages can gather them all and fail once with the whole list.
"""

from pathlib import Path
from typing import Any

AXE_DIR = Path(__file__).resolve().parent / "vendor" / "axe-core"
AXE_SOURCE = (AXE_DIR / "axe.min.js").read_text(encoding="utf-8")
# WCAG 2.2 AA as axe tags it: each version's A and AA rules (2.2 added only AA ones we test).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}

RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    targets: violation.nodes.slice(0, 5).map((node) => node.target.join(" ")),
    summary: violation.nodes.length ? violation.nodes[0].failureSummary : "",
  }));
}"""

# Sideways overflow of the page, and every element that scrolls sideways inside it. <pre> may
# scroll (code cannot wrap), as WCAG 1.4.10 allows for content that needs two dimensions.
FIND_OVERFLOW = """() => {
  const root = document.documentElement;
  const problems = [];
  if (root.scrollWidth > root.clientWidth) {
    problems.push(`the page is ${root.scrollWidth}px wide in a ${root.clientWidth}px viewport`);
  }
  const describe = (element) => {
    let text = element.tagName.toLowerCase();
    if (element.id) text += `#${element.id}`;
    if (element.classList.length) text += "." + [...element.classList].join(".");
    return text;
  };
  const tooWide = new Set();
  for (const element of document.body.querySelectorAll("*")) {
    if (element.closest("pre")) continue;
    const style = getComputedStyle(element);
    const scrolls = ["auto", "scroll"].includes(style.overflowX);
    if (scrolls && element.scrollWidth > element.clientWidth + 1) {
      problems.push(
        `${describe(element)} scrolls sideways (${element.scrollWidth}px of content in ${element.clientWidth}px)`
      );
    }
    const box = element.getBoundingClientRect();
    const shown = style.visibility !== "hidden" && box.width > 1 && box.height > 1;
    if (shown && box.right > root.clientWidth + 1) tooWide.add(element);
  }
  // Name only the outermost element of each too-wide branch: its descendants follow it.
  for (const element of tooWide) {
    if (!tooWide.has(element.parentElement)) {
      const right = Math.round(element.getBoundingClientRect().right);
      problems.push(`${describe(element)} ends at ${right}px, past the viewport`);
    }
  }
  return problems;
}"""

FIND_HEADINGS = """() => [...document.querySelectorAll("h1, h2, h3, h4, h5, h6, [role=heading]")]
  .filter((heading) => heading.getClientRects().length > 0 || heading.closest("details"))
  .map((heading) => ({
    level: heading.getAttribute("aria-level")
      ? Number(heading.getAttribute("aria-level"))
      : Number(heading.tagName.slice(1)),
    text: heading.textContent.trim().replace(/\\s+/g, " ").slice(0, 80),
  }))"""


FIND_WEAK_FOCUS = """() => {
  const parse = (colour) => {
    const parts = colour.match(/[\\d.]+/g);
    if (!parts || parts.length < 3) return null;
    const [r, g, b, a = 1] = parts.map(Number);
    return {r, g, b, a};
  };
  const channel = (value) => {
    const v = value / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const luminance = ({r, g, b}) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const contrast = (x, y) => {
    const [light, dark] = [luminance(x), luminance(y)].sort((p, q) => q - p);
    return (light + 0.05) / (dark + 0.05);
  };
  const WHITE = {r: 255, g: 255, b: 255, a: 1};
  // The colour painted at a point, ignoring the focused element itself (the ring is outside it).
  const backgroundAt = (x, y, focused) => {
    for (const element of document.elementsFromPoint(x, y)) {
      if (focused.contains(element)) continue;
      const colour = parse(getComputedStyle(element).backgroundColor);
      if (colour && colour.a >= 0.5) return colour;
    }
    return WHITE;
  };
  const describe = (element) => {
    const text = (element.textContent || element.getAttribute("aria-label") || element.name || "").trim();
    return `${element.tagName.toLowerCase()} “${text.replace(/\\s+/g, " ").slice(0, 40)}”`;
  };
  const problems = [];
  const controls = document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex='-1'])"
  );
  for (const element of controls) {
    if (element.disabled || !element.getClientRects().length) continue;
    if (getComputedStyle(element).visibility === "hidden") continue;
    element.focus({focusVisible: true});
    if (document.activeElement !== element || !element.matches(":focus-visible")) continue;
    const style = getComputedStyle(element);
    const width = parseFloat(style.outlineWidth);
    if (style.outlineStyle === "none" || width < 2) {
      problems.push(`${describe(element)} shows no focus outline (${style.outlineStyle} ${style.outlineWidth})`);
      continue;
    }
    const ring = parse(style.outlineColor);
    const box = element.getBoundingClientRect();
    const middle = parseFloat(style.outlineOffset) + width / 2;
    const sides = [
      [box.left - middle, box.top + box.height / 2],
      [box.right + middle, box.top + box.height / 2],
      [box.left + box.width / 2, box.top - middle],
      [box.left + box.width / 2, box.bottom + middle],
    ].filter(([x, y]) => x >= 0 && y >= 0 && x < innerWidth && y < innerHeight);
    for (const [x, y] of sides) {
      const ratio = contrast(ring, backgroundAt(x, y, element));
      if (ratio < 3) {
        problems.push(`${describe(element)}: focus outline ${style.outlineColor} has ${ratio.toFixed(1)}:1 against what is behind it`);
        break;
      }
    }
  }
  document.activeElement?.blur();
  window.scrollTo(0, 0);
  return problems;
}"""


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations of the WCAG A/AA rules on the current page, of every impact."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated as a script body; ";0" keeps Playwright from mistaking it for a function.
        page.evaluate(AXE_SOURCE + "\n;0")
    violations: list[dict[str, Any]] = page.evaluate(RUN_AXE, AXE_TAGS)
    return violations


def axe_problems(page: Any) -> list[str]:
    return [
        f"axe {violation['impact']} {violation['id']}: {violation['help']} "
        f"at {', '.join(violation['targets'])} ({violation['summary']})"
        for violation in axe_violations(page)
        if violation["impact"] in FAILING_IMPACTS
    ]


def reflow_problems(page: Any) -> list[str]:
    problems: list[str] = page.evaluate(FIND_OVERFLOW)
    return problems


def heading_problems(page: Any) -> list[str]:
    headings: list[dict[str, Any]] = page.evaluate(FIND_HEADINGS)
    problems = []
    top_level = [heading for heading in headings if heading["level"] == 1]
    if len(top_level) != 1:
        problems.append(f"{len(top_level)} h1 headings (one expected)")
    previous = 0
    for heading in headings:
        if heading["level"] > previous + 1:
            problems.append(
                f"h{heading['level']} “{heading['text']}” follows "
                + (f"h{previous}" if previous else "no heading")
            )
        previous = heading["level"]
    return problems


def focus_problems(page: Any) -> list[str]:
    problems: list[str] = page.evaluate(FIND_WEAK_FOCUS)
    return problems

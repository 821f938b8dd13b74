"""The portfolio's part of the demo data: skills, the demo users and Amara's evidence library.

Called by assessments' load_demo command, which adds the other apps' demo data after it.
Everything here is idempotent: users are keyed by e-mail, skills by framework and name, and
evidence by (owner, title), so re-running adds nothing twice. Content goes through the same
services the product uses, so images are re-encoded and thumbnailed as real uploads are.
Images and PDFs are drawn at load time; nothing is fetched from the network.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from portfolio.models import EvidenceItem, LearnerProfile, Skill, SkillFramework, User
from portfolio.services.curation import curate_portfolio
from portfolio.services.evidence import create_evidence
from portfolio.services.profiles import ensure_profile, set_avatar, update_profile
from portfolio.services.skills import import_skills_csv

# Published in README and printed by load_demo: these accounts exist only in demo databases.
DEMO_PASSWORD = "unbundled-demo"  # noqa: S105
SKILLS_CSV = Path(__file__).resolve().parent / "demo_data" / "demo_skills.csv"
FRAMEWORK_NAME = "Digital and Data Skills"
LEARNER_SLUG = "amara-okafor"


class DemoDataError(Exception):
    """The demo data cannot be loaded on this machine; the message says what to do."""


class TextSink(Protocol):
    def write(self, text: str, /) -> object: ...


@dataclass(frozen=True)
class DemoPortfolio:
    """What the portfolio demo made, for the other apps' demo data to build on."""

    learner: User
    assessor: User
    employer: User
    issuer: User
    framework: SkillFramework
    # Amara's demo items in a fixed order, including any made by an earlier run. Read
    # is_public and public_position from the database: curation updates other instances.
    evidence: list[EvidenceItem]


@dataclass(frozen=True)
class _DemoUser:
    email: str
    role: str
    first_name: str
    last_name: str
    is_staff: bool = False
    is_superuser: bool = False


# Clearly fictional people; only the learner has a display name the issue asks for.
_LEARNER = _DemoUser("learner@example.com", User.Role.LEARNER, "Amara", "Okafor")
_ASSESSOR = _DemoUser("assessor@example.com", User.Role.ASSESSOR, "Demo", "Assessor")
_EMPLOYER = _DemoUser("employer@example.com", User.Role.EMPLOYER, "Demo", "Employer")
_ISSUER = _DemoUser(
    "issuer@example.com",
    User.Role.ISSUER_STAFF,
    "Demo",
    "Issuer",
    is_staff=True,
    # The demo issuer runs the Django admin, so it has every model permission.
    is_superuser=True,
)

_PROFILE_HEADLINE = "Junior data analyst: SQL, Python and dashboards that people use"
_PROFILE_LOCATION = "Leeds, United Kingdom"
_PROFILE_BIO = (
    "I moved into data from five years of running customer services for a public library "
    "service, where I kept being the person who turned the loans export into something the "
    "managers could read.\n\n"
    "This year I have been working through a data apprenticeship: cleaning messy operational "
    "data, building dashboards with the people who use them, and writing it all up so the "
    "next person can pick it up. I care about accessible design and about handling personal "
    "data properly.\n\n"
    "Open to junior data analyst and analytics engineer roles."
)


def _write(stdout: TextSink, line: str) -> None:
    stdout.write(line + "\n")


# --- Users -------------------------------------------------------------------------------


def _ensure_user(spec: _DemoUser, password_hash: Callable[[], str]) -> tuple[User, bool]:
    """The demo user, created with the demo password if missing; its e-mail is verified."""
    user = User.objects.filter(email=spec.email).first()
    created = user is None
    if user is None:
        user = User.objects.create(
            email=spec.email,
            password=password_hash(),
            role=spec.role,
            first_name=spec.first_name,
            last_name=spec.last_name,
            is_staff=spec.is_staff,
            is_superuser=spec.is_superuser,
        )
    else:
        # Keep the role and admin flags the README promises; a changed password is kept.
        wanted = {"role": spec.role, "is_staff": spec.is_staff, "is_superuser": spec.is_superuser}
        changed = [name for name, value in wanted.items() if getattr(user, name) != value]
        for name in changed:
            setattr(user, name, wanted[name])
        if changed:
            user.save(update_fields=changed)
    # Verification is mandatory by default; without a verified address allauth would hold
    # each demo login at "confirm your e-mail".
    EmailAddress.objects.update_or_create(
        user=user, email=spec.email, defaults={"verified": True, "primary": True}
    )
    return user, created


def _avatar_png() -> bytes:
    image = Image.new("RGB", (256, 256), "#1f4e79")
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, 248, 248), fill="#2f6fa7")
    draw.text((128, 132), "AO", fill="white", font=_font(104), anchor="mm")
    return _encode(image, "PNG")


def _fill_profile(learner: User, stdout: TextSink) -> LearnerProfile:
    profile = ensure_profile(user=learner, display_name="Amara Okafor")
    # Filled once: a headline means the profile was set up before (by us or by hand), and
    # re-running the demo must not overwrite what someone changed while trying it out.
    if profile.headline:
        return profile
    profile = update_profile(
        profile=profile,
        by=learner,
        display_name="Amara Okafor",
        slug=LEARNER_SLUG,
        headline=_PROFILE_HEADLINE,
        bio=_PROFILE_BIO,
        location=_PROFILE_LOCATION,
        is_public=True,
    )
    if not profile.avatar:
        profile = set_avatar(
            profile=profile,
            by=learner,
            upload=SimpleUploadedFile("amara.png", _avatar_png(), content_type="image/png"),
        )
    _write(stdout, f"Profile: Amara Okafor, public at /p/{profile.slug}/.")
    return profile


# --- Images (Pillow) ---------------------------------------------------------------------


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's bundled font: the same on every machine, no system font lookup.
    return ImageFont.load_default(size=size)


def _encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _bar_chart_png() -> bytes:
    width, height = 960, 600
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((40, 26), "Library loans per month, 2026", fill="#1f2933", font=_font(30))
    draw.text(
        (40, 66), "All branches. Source: cleaned loans export.", fill="#52606d", font=_font(16)
    )
    left, right, top, bottom = 100, width - 40, 120, height - 70
    loans = [4210, 3980, 4475, 4120, 4630, 5010, 5890, 6120, 4870, 4550, 4390, 3760]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    ceiling = 7000
    for value in range(0, ceiling + 1, 1000):
        y = bottom - (bottom - top) * value / ceiling
        draw.line([(left, y), (right, y)], fill="#e4e7eb", width=1)
        draw.text((left - 12, y), f"{value:,}", fill="#52606d", font=_font(14), anchor="rm")
    slot = (right - left) / len(loans)
    for index, (month, value) in enumerate(zip(months, loans, strict=True)):
        x0 = left + index * slot + slot * 0.18
        x1 = left + (index + 1) * slot - slot * 0.18
        y0 = bottom - (bottom - top) * value / ceiling
        colour = "#d9822b" if month in {"Jul", "Aug"} else "#1f4e79"
        draw.rectangle((x0, y0, x1, bottom), fill=colour)
        draw.text(
            ((x0 + x1) / 2, y0 - 6), f"{value:,}", fill="#323f4b", font=_font(12), anchor="mb"
        )
        draw.text(((x0 + x1) / 2, bottom + 10), month, fill="#323f4b", font=_font(16), anchor="mt")
    draw.line([(left, bottom), (right, bottom)], fill="#323f4b", width=2)
    draw.text(
        (right, height - 16),
        "Orange: summer reading challenge (July and August)",
        fill="#b3641b",
        font=_font(14),
        anchor="rs",
    )
    return _encode(image, "PNG")


def _dashboard_webp() -> bytes:
    width, height = 1200, 750
    image = Image.new("RGB", (width, height), "#f0f4f8")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 210, height), fill="#102a43")
    draw.text((28, 30), "Loans insight", fill="white", font=_font(22))
    for index, item in enumerate(["Overview", "Loans", "Members", "Branches", "Reports"]):
        y = 100 + index * 46
        if index == 0:
            draw.rounded_rectangle((16, y - 10, 194, y + 28), radius=6, fill="#243b53")
        draw.text((32, y), item, fill="#d9e2ec", font=_font(17))
    draw.text((240, 28), "Branch performance: October 2026", fill="#102a43", font=_font(28))
    draw.text((240, 66), "Draft for the service managers' review", fill="#627d98", font=_font(15))

    cards = [
        ("Loans", "4,550", "+3.2% on September"),
        ("Active members", "12,384", "+1.1%"),
        ("New sign-ups", "418", "-6.0%"),
        ("Overdue rate", "4.1%", "target 5%"),
    ]
    card_width = (width - 240 - 30 - 3 * 20) / 4
    for index, (label, figure, note) in enumerate(cards):
        x0 = 240 + index * (card_width + 20)
        draw.rounded_rectangle((x0, 104, x0 + card_width, 214), radius=10, fill="white")
        draw.text((x0 + 18, 120), label, fill="#627d98", font=_font(15))
        draw.text((x0 + 18, 144), figure, fill="#102a43", font=_font(34))
        draw.text(
            (x0 + 18, 188), note, fill="#b42318" if note[0] == "-" else "#2f8132", font=_font(13)
        )

    # Line chart of weekly loans.
    draw.rounded_rectangle((240, 236, 800, 520), radius=10, fill="white")
    draw.text((258, 250), "Weekly loans, last 12 weeks", fill="#102a43", font=_font(17))
    weekly = [980, 1010, 1120, 1090, 1045, 1130, 1190, 1160, 1075, 1105, 1140, 1180]
    chart_left, chart_right, chart_top, chart_bottom = 270, 780, 296, 496
    for step in range(5):
        grid_y = chart_bottom - step * (chart_bottom - chart_top) / 4
        draw.line([(chart_left, grid_y), (chart_right, grid_y)], fill="#e4e7eb")
    low, high = 900, 1250
    points = [
        (
            chart_left + index * (chart_right - chart_left) / (len(weekly) - 1),
            chart_bottom - (value - low) * (chart_bottom - chart_top) / (high - low),
        )
        for index, value in enumerate(weekly)
    ]
    draw.line(points, fill="#2f6fa7", width=4, joint="curve")
    for px, py in points:
        draw.ellipse((px - 5, py - 5, px + 5, py + 5), fill="white", outline="#2f6fa7", width=3)

    # Horizontal bars: loans by branch.
    draw.rounded_rectangle((820, 236, width - 30, 520), radius=10, fill="white")
    draw.text((838, 250), "Loans by branch", fill="#102a43", font=_font(17))
    branches = [("Central", 1620), ("Northside", 1010), ("Riverside", 870), ("Hillcrest", 640)]
    for index, (branch, count) in enumerate(branches):
        top = 300 + index * 52
        bar_end = 838 + count * 0.16
        draw.text((838, top), branch, fill="#334e68", font=_font(14))
        draw.rounded_rectangle((838, top + 20, bar_end, top + 36), radius=4, fill="#d9822b")
        draw.text(
            (bar_end + 10, top + 28), f"{count:,}", fill="#334e68", font=_font(13), anchor="lm"
        )

    # A table of the latest overdue items, anonymised.
    draw.rounded_rectangle((240, 540, width - 30, height - 24), radius=10, fill="white")
    columns = [("Item", 258), ("Branch", 640), ("Days overdue", 820), ("Reminder", 990)]
    for label, x in columns:
        draw.text((x, 556), label, fill="#627d98", font=_font(14))
    rows = [
        ("Introduction to statistics (2nd ed.)", "Central", "12", "Sent"),
        ("Atlas of the coastal path", "Riverside", "9", "Sent"),
        ("Beginner's guide to spreadsheets", "Northside", "5", "Due"),
    ]
    for index, row in enumerate(rows):
        y = 590 + index * 38
        draw.line([(258, y - 8), (width - 48, y - 8)], fill="#e4e7eb")
        for (_label, x), value in zip(columns, row, strict=True):
            draw.text((x, y), value, fill="#243b53", font=_font(15))
    return _encode(image, "WEBP", quality=88)


def _sticky_note(lines: list[str], colour: str, angle: float) -> Image.Image:
    note = Image.new("RGBA", (170, 150), colour)
    draw = ImageDraw.Draw(note)
    for index, line in enumerate(lines):
        draw.text((12, 14 + index * 30), line, fill="#1b1b1b", font=_font(19))
    return note.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)


def _whiteboard_jpeg() -> bytes:
    width, height = 1024, 768
    # Off-white board with uneven light and sensor-like grain, so it reads as a photo.
    light = Image.radial_gradient("L").resize((width, height))
    board = Image.merge(
        "RGB",
        [
            light.point(lambda v: 236 - v // 10),
            light.point(lambda v: 237 - v // 10),
            light.point(lambda v: 232 - v // 9),
        ],
    )
    grain = Image.effect_noise((width, height), 22).convert("RGB")
    image = Image.blend(board, grain, 0.07)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width - 1, height - 1), outline="#8d9399", width=18)
    draw.text((60, 44), "Sprint 6 retro", fill="#1d3fa6", font=_font(46))
    for index, heading in enumerate(["Went well", "To improve", "Actions"]):
        x = 60 + index * 320
        draw.text((x, 126), heading, fill="#202020", font=_font(30))
        draw.line([(x, 166), (x + 220, 170)], fill="#202020", width=4)
        if index:
            draw.line([(x - 30, 120), (x - 26, 720)], fill="#3a3a3a", width=3)

    notes = [
        (0, ["Dashboard demo", "landed well"], "#fff176", -3.0),
        (0, ["Pairing on SQL", "sped us up"], "#aed581", 2.0),
        (1, ["Data export", "arrives late"], "#ffb74d", 1.5),
        (1, ["Too many", "open tickets"], "#f48fb1", -2.5),
        (2, ["Agree export", "time with IT"], "#81d4fa", -1.0),
        (2, ["WIP limit: 3"], "#fff176", 3.0),
    ]
    counts = [0, 0, 0]
    for column, lines, colour, angle in notes:
        note = _sticky_note(lines, colour, angle)
        x = 60 + column * 320 + (counts[column] % 2) * 18
        y = 200 + counts[column] * 200
        counts[column] += 1
        shadow = Image.new("RGBA", note.size, (0, 0, 0, 0))
        shadow.paste((0, 0, 0, 70), mask=note.getchannel("A"))
        image.paste(shadow.filter(ImageFilter.GaussianBlur(6)), (x + 6, y + 8), shadow)
        image.paste(note, (x, y), note)
    draw.text((700, 640), "Next retro: 14 Nov", fill="#c62828", font=_font(24))
    # A touch of blur and a darker edge, as a phone camera would give.
    image = image.filter(ImageFilter.GaussianBlur(0.7))
    vignette = ImageChops.invert(Image.radial_gradient("L").resize((width, height)))
    shade = Image.merge("RGB", [vignette.point(lambda v: 150 + v * 105 // 255)] * 3)
    image = ImageChops.multiply(image, shade)
    return _encode(image, "JPEG", quality=84)


# --- PDFs (WeasyPrint) -------------------------------------------------------------------

_PDF_STYLE = """
@page { size: A4; margin: 20mm 18mm;
  @bottom-center { content: "Demo document generated by Unbundled"; font-size: 8pt; color: #7b8794; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; color: #1f2933; line-height: 1.45; }
h1 { font-size: 19pt; color: #1f4e79; margin: 0 0 4pt; }
h2 { font-size: 12.5pt; color: #1f4e79; margin: 16pt 0 4pt; }
.meta { color: #52606d; margin-bottom: 14pt; }
table { border-collapse: collapse; width: 100%; margin-top: 6pt; }
th, td { border-bottom: 0.6pt solid #cbd2d9; padding: 4pt 6pt; text-align: left; vertical-align: top; }
th { background: #f0f4f8; }
td.number { text-align: right; }
"""

_REPORT_HTML = """
<h1>Data quality report: library loans, January to September 2026</h1>
<p class="meta">Prepared by Amara Okafor for the library service managers. Version 1.2.</p>
<h2>Summary</h2>
<p>The loans export is usable for monthly reporting once four problems are fixed. Cleaning
removed 2.3% of rows as exact duplicates and filled or flagged every missing branch code.
Monthly totals now match the finance system to within 0.4%.</p>
<h2>Problems found</h2>
<table>
<tr><th>Problem</th><th>Rows affected</th><th>Fix</th></tr>
<tr><td>Exact duplicate loan records from the nightly re-send</td><td class="number">1,046</td>
<td>Removed, keeping the first copy</td></tr>
<tr><td>Missing branch code on self-service kiosk loans</td><td class="number">731</td>
<td>Filled from the kiosk's location table</td></tr>
<tr><td>Return date before loan date</td><td class="number">58</td>
<td>Flagged for the systems team; excluded from duration figures</td></tr>
<tr><td>Member ages over 110</td><td class="number">12</td><td>Set to unknown</td></tr>
</table>
<h2>Method</h2>
<p>A Python script (pandas) runs each check and writes a log of every change, so the cleaning
can be repeated on each month's export and reviewed. Totals were reconciled with the finance
system's monthly counts before and after cleaning.</p>
<h2>Recommendations</h2>
<ol><li>Ask the supplier to stop the nightly re-send, or add a unique loan identifier.</li>
<li>Make branch code mandatory on kiosk transactions.</li>
<li>Run the cleaning script automatically before the monthly dashboard refresh.</li></ol>
"""

_TEST_PLAN_HTML = """
<h1>Test plan: room bookings API</h1>
<p class="meta">Author: Amara Okafor. Status: agreed with the development team, 3 September 2026.</p>
<h2>Scope</h2>
<p>The public API used by the library website to list rooms, check availability and book,
change and cancel a room. Payments and staff tools are out of scope.</p>
<h2>Approach</h2>
<p>Automated integration tests run against a seeded test database on every merge request;
contract tests check the JSON responses against the published OpenAPI description.</p>
<h2>Test cases</h2>
<table>
<tr><th>ID</th><th>Case</th><th>Expected result</th></tr>
<tr><td>RB-01</td><td>List rooms for a branch</td><td>200, rooms sorted by name, capacity shown</td></tr>
<tr><td>RB-02</td><td>Book a free slot</td><td>201, booking reference returned, slot no longer free</td></tr>
<tr><td>RB-03</td><td>Book a slot that was just taken</td><td>409 with a readable message; no booking made</td></tr>
<tr><td>RB-04</td><td>Cancel less than 24 hours ahead</td><td>422 explaining the cancellation rule</td></tr>
<tr><td>RB-05</td><td>Request without a valid token</td><td>401; no booking details in the response</td></tr>
<tr><td>RB-06</td><td>Page through 500 bookings</td><td>Every booking appears exactly once</td></tr>
</table>
<h2>Entry and exit criteria</h2>
<p>Testing starts when the endpoints are deployed to the test environment. The release goes
ahead when every case passes and no open defect is rated high or critical.</p>
"""

_CERTIFICATE_HTML = """
<style>
@page { size: A4 landscape; margin: 16mm; }
.frame { border: 3pt double #1f4e79; padding: 26mm 20mm; text-align: center; height: 118mm; }
.frame h1 { font-size: 28pt; letter-spacing: 1pt; }
.name { font-size: 24pt; margin: 12pt 0; color: #102a43; }
.small { color: #52606d; }
</style>
<div class="frame">
<h1>Certificate of attendance</h1>
<p>This is to certify that</p>
<p class="name">Amara Okafor</p>
<p>attended the six-hour workshop</p>
<p><strong>Accessibility in practice: testing services with assistive technology</strong></p>
<p>on 12 June 2026, run by the Harbourside Digital Skills Centre (a fictional organisation).</p>
<p class="small">Topics: WCAG 2.2 success criteria, keyboard-only navigation, screen reader
testing with NVDA and VoiceOver, automated checks and their limits.</p>
</div>
"""


def _render_pdf(body: str, title: str) -> bytes:
    # Imported here so that a machine without WeasyPrint's system libraries (Pango) can still
    # run every other command, and load_demo can say what to install.
    try:
        from weasyprint import HTML
    except OSError as exc:
        raise DemoDataError(
            f"WeasyPrint cannot load its system libraries ({exc}). On Debian or Ubuntu: "
            "sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"
        ) from exc

    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{_PDF_STYLE}</style></head><body>{body}</body></html>"
    )
    # No base_url and no external references in the HTML: nothing is ever fetched.
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


# --- Evidence ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _DemoEvidence:
    title: str
    kind: str
    description: str
    work_done_on: date
    skills: tuple[str, ...]
    upload: Callable[[], SimpleUploadedFile] | None = None
    url: str = ""
    body: str = ""
    # Position on the public page (1 first); None keeps the item private.
    public_position: int | None = None


def _upload(
    name: str, content_type: str, make: Callable[[], bytes]
) -> Callable[[], SimpleUploadedFile]:
    return lambda: SimpleUploadedFile(name, make(), content_type=content_type)


_EVIDENCE = [
    _DemoEvidence(
        title="Branch performance dashboard mock-up",
        kind=EvidenceItem.Kind.IMAGE,
        description="The second iteration of the monthly dashboard, redesigned after testing "
        "the first one with three branch managers.",
        work_done_on=date(2026, 10, 20),
        skills=("Dashboard design", "Data visualisation", "User research"),
        upload=_upload("dashboard-mock-up.webp", "image/webp", _dashboard_webp),
        public_position=1,
    ),
    _DemoEvidence(
        title="Data quality report: library loans",
        kind=EvidenceItem.Kind.FILE,
        description="What was wrong with nine months of loans data, how I fixed it, and what "
        "should change upstream.",
        work_done_on=date(2026, 10, 6),
        skills=("Data cleaning", "Statistical analysis", "Technical writing"),
        upload=_upload(
            "data-quality-report.pdf",
            "application/pdf",
            lambda: _render_pdf(_REPORT_HTML, "Data quality report"),
        ),
        public_position=2,
    ),
    _DemoEvidence(
        title="Monthly loans bar chart",
        kind=EvidenceItem.Kind.IMAGE,
        description="Loans per month across all branches, highlighting the summer reading "
        "challenge.",
        work_done_on=date(2026, 9, 30),
        skills=("Data visualisation", "Spreadsheet modelling"),
        upload=_upload("monthly-loans.png", "image/png", _bar_chart_png),
        public_position=3,
    ),
    _DemoEvidence(
        title="Library loans cleaning scripts",
        kind=EvidenceItem.Kind.LINK,
        description="The Python scripts behind the data quality report, with tests and a "
        "change log for every run.",
        work_done_on=date(2026, 9, 18),
        skills=("Python scripting", "Version control with Git", "Data cleaning"),
        url="https://code.example.org/amara-okafor/library-loans-cleaning",
        public_position=4,
    ),
    _DemoEvidence(
        title="Presenting findings to the library board",
        kind=EvidenceItem.Kind.REFLECTION,
        description="What I learned presenting the loans analysis to a non-technical board.",
        work_done_on=date(2026, 10, 14),
        skills=("Presentation skills", "Stakeholder communication"),
        body=(
            "## What happened\n\n"
            "I had ten minutes at the October board meeting to explain why loans rose over the "
            "summer and what the data could and could not tell us.\n\n"
            "## What went well\n\n"
            "- I opened with **one chart and one sentence**, then took questions.\n"
            "- I had the cleaning numbers ready when the finance lead asked how far to trust "
            "the totals.\n\n"
            "## What I would change\n\n"
            "I spent too long on method. Next time the method goes in an appendix and I will "
            "rehearse with someone outside the team."
        ),
        public_position=5,
    ),
    _DemoEvidence(
        title="Test plan for the room bookings API",
        kind=EvidenceItem.Kind.FILE,
        description="Scope, approach and test cases for the room bookings API, agreed with "
        "the development team.",
        work_done_on=date(2026, 9, 3),
        skills=("Automated testing", "API integration", "Technical writing"),
        upload=_upload(
            "room-bookings-test-plan.pdf",
            "application/pdf",
            lambda: _render_pdf(_TEST_PLAN_HTML, "Test plan"),
        ),
        public_position=6,
    ),
    _DemoEvidence(
        title="Blog post: running my first usability test",
        kind=EvidenceItem.Kind.LINK,
        description="Five library members, one prototype, and everything that surprised me.",
        work_done_on=date(2026, 7, 22),
        skills=("User research", "Accessibility testing"),
        url="https://blog.example.net/amara-okafor/first-usability-test",
        public_position=7,
    ),
    _DemoEvidence(
        title="Sprint 6 retrospective whiteboard",
        kind=EvidenceItem.Kind.IMAGE,
        description="Photo of the team's retrospective board; the actions became our working "
        "agreement for sprint 7.",
        work_done_on=date(2026, 10, 31),
        skills=("Agile delivery", "Stakeholder communication"),
        upload=_upload("retro-whiteboard.jpg", "image/jpeg", _whiteboard_jpeg),
    ),
    _DemoEvidence(
        title="Certificate of attendance: Accessibility in practice",
        kind=EvidenceItem.Kind.FILE,
        description="Six-hour workshop on testing services with assistive technology.",
        work_done_on=date(2026, 6, 12),
        skills=("Accessibility testing",),
        upload=_upload(
            "certificate-accessibility-in-practice.pdf",
            "application/pdf",
            lambda: _render_pdf(_CERTIFICATE_HTML, "Certificate of attendance"),
        ),
    ),
    _DemoEvidence(
        title="Cloud fundamentals lab notes",
        kind=EvidenceItem.Kind.LINK,
        description="My notes from the cloud fundamentals labs: storage, identity and "
        "keeping costs under control.",
        work_done_on=date(2026, 5, 8),
        skills=("Cloud fundamentals", "Information security awareness"),
        url="https://notes.example.com/amara-okafor/cloud-fundamentals-labs",
    ),
    _DemoEvidence(
        title="Handling personal data responsibly",
        kind=EvidenceItem.Kind.REFLECTION,
        description="Reflection on anonymising member data for the loans analysis.",
        work_done_on=date(2026, 8, 27),
        skills=("Data ethics", "Information security awareness"),
        body=(
            "The loans export includes member ages and postcodes. Before any analysis I:\n\n"
            "1. dropped names and card numbers at import, so they never reach my laptop;\n"
            "2. cut postcodes to the district (*LS6*, not *LS6 1AA*);\n"
            "3. grouped ages into bands and suppressed any group smaller than ten.\n\n"
            "> Just because the data is available does not mean the analysis needs it.\n\n"
            "I wrote the rules up as a one-page data handling note that the team now reuses."
        ),
    ),
    _DemoEvidence(
        title="Planning the dashboard project",
        kind=EvidenceItem.Kind.REFLECTION,
        description="How I broke the dashboard work into milestones, and what slipped.",
        work_done_on=date(2026, 8, 4),
        skills=("Project planning", "Agile delivery"),
        body=(
            "I planned the dashboard in four two-week milestones: *data*, *prototype*, "
            "*testing with managers*, *launch*.\n\n"
            "The data milestone slipped by a week because the export arrived late, which is "
            "why **agreeing the export time with IT** became an action at the retro. Keeping "
            "risks in a shared list meant nobody was surprised by the slip."
        ),
    ),
]


def _load_evidence(
    learner: User, framework: SkillFramework, stdout: TextSink
) -> list[EvidenceItem]:
    skills = {skill.name: skill for skill in Skill.objects.filter(framework=framework)}
    existing = {
        item.title: item
        for item in EvidenceItem.objects.filter(
            owner=learner, title__in=[spec.title for spec in _EVIDENCE]
        )
    }
    items, created = [], 0
    for spec in _EVIDENCE:
        item = existing.get(spec.title)
        if item is None:
            item = create_evidence(
                owner=learner,
                kind=spec.kind,
                title=spec.title,
                description=spec.description,
                work_done_on=spec.work_done_on,
                skills=[skills[name] for name in spec.skills],
                upload=spec.upload() if spec.upload is not None else None,
                url=spec.url,
                body=spec.body,
            )
            created += 1
        items.append(item)
    # Curate only on the run that added the items: re-running must not undo what someone
    # changed on the public page while trying the demo.
    if created:
        public = sorted(
            (spec.public_position, item.pk)
            for spec, item in zip(_EVIDENCE, items, strict=True)
            if spec.public_position is not None
        )
        curate_portfolio(owner=learner, public_item_ids_in_order=[pk for _, pk in public])
    _write(
        stdout,
        f"Evidence: {created} new items for Amara Okafor ({len(items) - created} already there).",
    )
    return items


def load_portfolio_demo(*, stdout: TextSink) -> DemoPortfolio:
    """Create (or complete) the portfolio demo data. Idempotent.

    Raises DemoDataError if the shipped skills file does not import cleanly or WeasyPrint's
    system libraries are missing.
    """
    with SKILLS_CSV.open(encoding="utf-8", newline="") as source:
        result = import_skills_csv(source=source)
    if result.errors:
        problems = "; ".join(f"line {line}: {message}" for line, message in result.errors)
        raise DemoDataError(f"{SKILLS_CSV.name} did not import: {problems}")
    framework = SkillFramework.objects.get(name=FRAMEWORK_NAME)
    _write(
        stdout,
        f'Skills: "{framework.name}" has {framework.skills.count()} skills '
        f"({result.created} new, {result.updated} updated).",
    )

    # Hashing is deliberately slow (about half a second): the demo users share one hash, made
    # only if one of them is missing.
    password_hash = functools.cache(lambda: make_password(DEMO_PASSWORD))
    users = {}
    for spec in (_LEARNER, _ASSESSOR, _EMPLOYER, _ISSUER):
        users[spec.email], created = _ensure_user(spec, password_hash)
        _write(stdout, f"User {spec.email}: {'created' if created else 'already there'}.")
    learner = users[_LEARNER.email]
    _fill_profile(learner, stdout)
    evidence = _load_evidence(learner, framework, stdout)
    return DemoPortfolio(
        learner=learner,
        assessor=users[_ASSESSOR.email],
        employer=users[_EMPLOYER.email],
        issuer=users[_ISSUER.email],
        framework=framework,
        evidence=evidence,
    )

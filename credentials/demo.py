"""The credentials' part of the demo data: the demo issuer and its six micro-credentials.

Called by assessments' load_demo after the portfolio demo, whose skills and users it builds on.
Idempotent: the issuer is keyed by slug and each micro-credential by slug. An existing one is
left as it is (someone may have edited it in the admin while trying the demo); only the demo
staff and assessor assignments, which the README promises, are put back. Logos and badges are
drawn with Pillow at load time; nothing is fetched from the network.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from credentials.models import Issuer, MicroCredential, RubricCriterion, RubricLevel
from credentials.validators import validate_badge_image
from portfolio.demo import DemoPortfolio, TextSink
from portfolio.models import Skill

ISSUER_SLUG = "harbourside-digital-skills"
BADGE_SIDE = 400
# Every demo rubric uses the same scale, and "Meets" is the level required to pass.
LEVEL_NAMES = ("Not yet", "Meets", "Exceeds")
REQUIRED_LEVEL = "Meets"


@dataclass(frozen=True)
class DemoCredentials:
    """What the credentials demo made, for the assessments demo to build on."""

    issuer: Issuer
    # By slug, in the order of _MICRO_CREDENTIALS.
    micro_credentials: dict[str, MicroCredential]


@dataclass(frozen=True)
class _Criterion:
    title: str
    description: str
    # One description per level, in the order of LEVEL_NAMES.
    levels: tuple[str, str, str]


@dataclass(frozen=True)
class _MicroCredential:
    slug: str
    title: str
    initials: str
    colour: str
    summary: str
    description: str
    criteria: str
    evidence_expected: str
    level: str
    estimated_hours: int
    validity_months: int | None
    skills: tuple[str, ...]
    rubric: tuple[_Criterion, ...]
    status: str = MicroCredential.Status.PUBLISHED


def _write(stdout: TextSink, line: str) -> None:
    stdout.write(line + "\n")


# --- The issuer ----------------------------------------------------------------------------

_ISSUER_NAME = "Harbourside Digital Skills Centre"
_ISSUER_DESCRIPTION = (
    "A fictional not-for-profit training centre by the harbour, made up for this demo. It "
    "runs evening and weekend courses in data and digital skills for adults changing career, "
    "and awards micro-credentials assessed against published rubrics by practising analysts, "
    "testers and designers."
)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's bundled font: the same on every machine, no system font lookup.
    return ImageFont.load_default(size=size)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _logo_png() -> bytes:
    side = BADGE_SIDE
    image = Image.new("RGB", (side, side), "#0b3954")
    draw = ImageDraw.Draw(image)
    # A low sun over three waves: a harbour at dusk.
    draw.ellipse((120, 70, 280, 230), fill="#f4a259")
    draw.rectangle((0, 170, side, side), fill="#0b3954")
    for index, colour in enumerate(("#5bc0be", "#3a9a98", "#1c6e8c")):
        top = 170 + index * 34
        points = [
            (x, top + 12 * math.sin(x / side * 4 * math.pi + index)) for x in range(0, side + 8, 8)
        ]
        draw.line(points, fill=colour, width=12, joint="curve")
    draw.text((side / 2, 330), "HARBOURSIDE", fill="white", font=_font(40), anchor="mm")
    draw.text((side / 2, 370), "digital skills centre", fill="#c9e4e7", font=_font(24), anchor="mm")
    return _png(image)


def _ensure_issuer(portfolio: DemoPortfolio, stdout: TextSink) -> Issuer:
    issuer = Issuer.objects.filter(slug=ISSUER_SLUG).first()
    if issuer is None:
        issuer = Issuer(
            name=_ISSUER_NAME,
            slug=ISSUER_SLUG,
            url="https://harbourside.example.org/",
            email="credentials@harbourside.example.org",
            description=_ISSUER_DESCRIPTION,
        )
        issuer.logo.save("harbourside-logo.png", ContentFile(_logo_png()), save=False)
        issuer.save()
        _write(stdout, f"Issuer: {issuer.name} created.")
    else:
        _write(stdout, f"Issuer: {issuer.name} already there.")
    # The demo issuer login is how the README says to manage and revoke: keep it on the staff.
    issuer.staff.add(portfolio.issuer)
    # ... and the demo assessor one of its assessors, so it can be assigned below.
    issuer.assessors.add(portfolio.assessor)
    return issuer


# --- Badges --------------------------------------------------------------------------------


def _polygon(sides: int, radius: float, rotation: float) -> list[tuple[float, float]]:
    centre = BADGE_SIDE / 2
    return [
        (
            centre + radius * math.cos(rotation + 2 * math.pi * k / sides),
            centre + radius * math.sin(rotation + 2 * math.pi * k / sides),
        )
        for k in range(sides)
    ]


def _badge_png(spec: _MicroCredential) -> bytes:
    """A square PNG badge: a shape for the level, the initials, and one dot per level step."""
    side, centre = BADGE_SIDE, BADGE_SIDE / 2
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if spec.level == MicroCredential.Level.FOUNDATIONAL:
        draw.ellipse((12, 12, side - 12, side - 12), fill="white")
        draw.ellipse((26, 26, side - 26, side - 26), fill=spec.colour)
    elif spec.level == MicroCredential.Level.INTERMEDIATE:
        draw.polygon(_polygon(6, 192, math.pi / 6), fill="white")
        draw.polygon(_polygon(6, 174, math.pi / 6), fill=spec.colour)
    else:
        draw.polygon(_polygon(8, 194, math.pi / 8), fill="white")
        draw.polygon(_polygon(8, 176, math.pi / 8), fill=spec.colour)
    draw.ellipse((86, 86, side - 86, side - 86), outline="white", width=6)
    draw.text((centre, centre - 6), spec.initials, fill="white", font=_font(112), anchor="mm")
    steps = list(MicroCredential.Level.values).index(spec.level) + 1
    for index in range(steps):
        x = centre + (index - (steps - 1) / 2) * 34
        draw.ellipse((x - 9, 330, x + 9, 348), fill="white")
    return _png(image)


# --- Micro-credentials ---------------------------------------------------------------------

_MICRO_CREDENTIALS = (
    _MicroCredential(
        slug="data-cleaning-foundations",
        title="Data Cleaning Foundations",
        initials="DC",
        colour="#1f6f8b",
        summary="Turn a messy operational export into data people can trust, repeatably and "
        "responsibly.",
        description=(
            "Most analysis time goes on getting the data right. This micro-credential "
            "recognises learners who can take a real export from an operational system, find "
            "what is wrong with it, fix it in a way someone else can repeat, and handle any "
            "personal data in it with care.\n\n"
            "It suits people moving into data roles from operational jobs, where they already "
            "know the data's quirks.\n\n"
            "**Covered:** profiling columns, duplicates and missing values, reconciling totals, "
            "scripted cleaning with a change log, and minimising personal data."
        ),
        criteria=(
            "To earn this micro-credential you show, on a data set from real work or "
            "volunteering, that you can:\n\n"
            "1. **find the problems** in the data and say how many rows each one affects;\n"
            "2. **clean it repeatably**, with a script or written steps that someone else could "
            "run again on next month's data;\n"
            "3. **handle personal data responsibly**: remove or reduce what the analysis does "
            "not need, and explain your choices."
        ),
        evidence_expected=(
            "- A short report or notebook describing the problems you found and how you fixed "
            "them.\n"
            "- The cleaning script or a link to its repository.\n"
            "- A reflection on how you handled personal data (no real personal data, please)."
        ),
        level=MicroCredential.Level.FOUNDATIONAL,
        estimated_hours=20,
        validity_months=36,
        skills=("Data cleaning", "Python scripting", "Data ethics"),
        rubric=(
            _Criterion(
                "Finding problems in the data",
                "Identifies missing, duplicated and inconsistent values and measures how far "
                "each problem reaches.",
                (
                    "Lists some problems but does not check how many rows they affect.",
                    "Finds the main problems and counts the rows each one affects.",
                    "Also traces problems to their source and recommends a fix upstream.",
                ),
            ),
            _Criterion(
                "Repeatable cleaning",
                "The cleaning can be run again, by someone else, with the same result.",
                (
                    "Fixes are made by hand and not recorded.",
                    "A script or written steps reproduce the cleaning and log what changed.",
                    "The cleaning is tested, versioned and reconciled against a trusted total.",
                ),
            ),
            _Criterion(
                "Handling personal data",
                "Keeps only the personal data the analysis needs, and says why.",
                (
                    "Personal data is kept without considering whether it is needed.",
                    "Removes or reduces personal data and explains each choice.",
                    "Writes the choices up as rules that others can reuse.",
                ),
            ),
        ),
    ),
    _MicroCredential(
        slug="dashboards-for-decision-makers",
        title="Dashboards for Decision-Makers",
        initials="DD",
        colour="#d9822b",
        summary="Design, build and test a dashboard around the decisions its users actually make.",
        description=(
            "A dashboard is only as good as the decisions it supports. This micro-credential "
            "recognises learners who start from their users' questions, choose charts that "
            "answer them at a glance, and test the result with the people who will use it.\n\n"
            "**Covered:** interviewing users about decisions, visual hierarchy, choosing chart "
            "types, accessible colour, and usability testing of dashboards."
        ),
        criteria=(
            "You design and build a dashboard for a real audience and show that:\n\n"
            "1. its layout follows **the decisions its users make**;\n"
            "2. each chart is **the right one for its question**, and readable without help;\n"
            "3. you **tested it with users** and changed it because of what you learned."
        ),
        evidence_expected=(
            "- Screenshots or a mock-up of the dashboard, before and after testing.\n"
            "- Notes from your conversations or tests with users.\n"
            "- A short reflection on what changed and why."
        ),
        level=MicroCredential.Level.INTERMEDIATE,
        estimated_hours=30,
        validity_months=None,
        skills=(
            "Dashboard design",
            "Data visualisation",
            "User research",
            "Stakeholder communication",
        ),
        rubric=(
            _Criterion(
                "Designing for a decision",
                "The dashboard's structure follows what its users need to decide.",
                (
                    "Shows the data that was available rather than what users need.",
                    "Names the users' decisions and puts the figures for them first.",
                    "Also removes everything that does not support a decision, with reasons.",
                ),
            ),
            _Criterion(
                "Choosing and building charts",
                "Chart types, scales and colours make each pattern clear and accessible.",
                (
                    "Charts are hard to read or could mislead.",
                    "Each chart suits its question and is readable without explanation.",
                    "Charts are also tested for colour blindness and keyboard use.",
                ),
            ),
            _Criterion(
                "Testing with users",
                "The dashboard is tried with real users and improved.",
                (
                    "Not tested with its users.",
                    "Tested with at least two users, with changes made as a result.",
                    "Tested over several rounds, with findings shared with the team.",
                ),
            ),
        ),
    ),
    _MicroCredential(
        slug="spreadsheet-modelling-essentials",
        title="Spreadsheet Modelling Essentials",
        initials="SM",
        colour="#2f8132",
        summary="Build a clear, checked spreadsheet model that someone else can pick up.",
        description=(
            "Spreadsheets run a surprising amount of every organisation. This micro-credential "
            "recognises learners who build models with clearly separated inputs, calculations "
            "and outputs, and who check their own work before anyone relies on it.\n\n"
            "Spreadsheet practice moves quickly, so this credential is valid for one year."
        ),
        criteria=(
            "You build a spreadsheet model for a real question and show that:\n\n"
            "1. its **structure** separates inputs, calculations and outputs, with named "
            "inputs;\n"
            "2. you **checked it**: totals reconcile and the formulas were reviewed."
        ),
        evidence_expected=(
            "- The workbook, or screenshots of its sheets.\n"
            "- A note of the checks you ran and what they found."
        ),
        level=MicroCredential.Level.FOUNDATIONAL,
        estimated_hours=12,
        validity_months=12,
        skills=("Spreadsheet modelling", "Data visualisation"),
        rubric=(
            _Criterion(
                "Model structure",
                "Inputs, calculations and outputs are separate and easy to follow.",
                (
                    "Inputs are typed into formulas, or the layout is hard to follow.",
                    "Inputs are named and kept apart from calculations and outputs.",
                    "The model also documents itself, with scenarios someone else can run.",
                ),
            ),
            _Criterion(
                "Checking the model",
                "The model's results are checked before anyone relies on them.",
                (
                    "No checks are described.",
                    "Totals are reconciled and the formulas were reviewed.",
                    "Checks are built into the model and flag errors automatically.",
                ),
            ),
        ),
    ),
    _MicroCredential(
        slug="accessible-service-testing",
        title="Accessible Service Testing",
        initials="AT",
        colour="#6a4c93",
        summary="Test a digital service against WCAG 2.2 with real assistive technology, and get "
        "the problems fixed.",
        description=(
            "Automated checkers find only part of the barriers disabled people meet. This "
            "micro-credential recognises learners who combine automated checks with "
            "keyboard-only use and screen readers, and report what they find so that it gets "
            "fixed.\n\n"
            "**Covered:** WCAG 2.2 success criteria, keyboard-only testing, NVDA and VoiceOver, "
            "automated tools and their limits, and writing actionable issues."
        ),
        criteria=(
            "You test a real service (or a realistic prototype) and show that you:\n\n"
            "1. checked it **against WCAG 2.2**, naming the success criteria involved;\n"
            "2. tested it **with assistive technology**: keyboard only and at least one screen "
            "reader;\n"
            "3. **reported** the problems so that the team could fix them, and followed up."
        ),
        evidence_expected=(
            "- Your test notes or report.\n"
            "- Recordings, screenshots or issue links showing what you found.\n"
            "- Any certificate or workshop notes that helped you, as supporting evidence."
        ),
        level=MicroCredential.Level.INTERMEDIATE,
        estimated_hours=25,
        validity_months=24,
        skills=("Accessibility testing", "User research"),
        rubric=(
            _Criterion(
                "Testing against WCAG 2.2",
                "Findings are tied to the WCAG 2.2 success criteria they fail.",
                (
                    "Findings are not linked to WCAG success criteria.",
                    "Each finding names the success criterion it fails.",
                    "Also explains the impact on users and prioritises the findings.",
                ),
            ),
            _Criterion(
                "Testing with assistive technology",
                "The service is tried with keyboard only and a screen reader.",
                (
                    "Only automated tools were used.",
                    "Keyboard-only and at least one screen reader were used.",
                    "Several assistive technologies were used, or disabled users took part.",
                ),
            ),
            _Criterion(
                "Reporting and follow-up",
                "Problems are reported so the team can act, and re-tested once fixed.",
                (
                    "Problems are listed without enough detail to fix them.",
                    "Each problem has steps to reproduce and a suggested fix.",
                    "Fixes were re-tested and the team's practice changed as a result.",
                ),
            ),
        ),
    ),
    _MicroCredential(
        slug="api-testing-automation",
        title="API Testing and Automation",
        initials="AP",
        colour="#b42318",
        summary="Plan and automate tests for a web API, including its failures, and run them on "
        "every change.",
        description=(
            "This advanced micro-credential recognises learners who can take responsibility "
            "for the quality of a web API: planning what to test, automating it, covering "
            "errors and edge cases, and making the tests run on every change.\n\n"
            "**Covered:** test plans, HTTP status codes and error shapes, authentication, "
            "pagination, contract tests, test data, and continuous integration."
        ),
        criteria=(
            "For a real API you show that you:\n\n"
            "1. **planned** the testing with the developers;\n"
            "2. built an **automated suite** that someone else can run;\n"
            "3. covered **errors and edge cases**, not just the happy path;\n"
            "4. made the suite **run on every change**."
        ),
        evidence_expected=(
            "- Your test plan.\n"
            "- A link to the repository with the automated tests.\n"
            "- Output from a continuous integration run."
        ),
        level=MicroCredential.Level.ADVANCED,
        estimated_hours=40,
        validity_months=36,
        skills=("Automated testing", "API integration", "Version control with Git"),
        rubric=(
            _Criterion(
                "Test planning",
                "Scope, approach and cases are agreed with the developers.",
                (
                    "No plan, or a plan nobody agreed.",
                    "A plan with scope, approach and cases, agreed with the team.",
                    "The plan also sets entry and exit criteria that the team uses.",
                ),
            ),
            _Criterion(
                "Automated test suite",
                "Tests run from the command line and give the same result for anyone.",
                (
                    "Tests are run by hand.",
                    "An automated suite covers the planned cases and runs for anyone.",
                    "The suite also manages its own test data and runs in under a minute.",
                ),
            ),
            _Criterion(
                "Errors and edge cases",
                "Failures, authentication and paging are tested, not just success.",
                (
                    "Only successful requests are tested.",
                    "Error responses, authentication and pagination are tested.",
                    "Also tests concurrency, such as two people booking the same slot.",
                ),
            ),
            _Criterion(
                "Running on every change",
                "The suite runs automatically and a failure blocks the change.",
                (
                    "Tests run only when someone remembers.",
                    "Tests run automatically on every change.",
                    "A failing run blocks the merge and reports clearly why.",
                ),
            ),
        ),
    ),
    _MicroCredential(
        slug="cloud-and-security-essentials",
        title="Cloud and Security Essentials",
        initials="CS",
        colour="#102a43",
        summary="Use core cloud services safely: storage, identity and cost controls.",
        description=(
            "An introduction to working in the cloud without leaving the door open: storing "
            "data, managing who can reach it, and keeping costs under control.\n\n"
            "**Retired:** this micro-credential is no longer open for applications. Credentials "
            "already issued stay valid."
        ),
        criteria=(
            "You complete the cloud labs and show that you:\n\n"
            "1. can use **core cloud services** (storage, compute, identity);\n"
            "2. **work securely**: least privilege, no shared passwords, and an eye on costs."
        ),
        evidence_expected="- Your lab notes or a link to them.",
        level=MicroCredential.Level.FOUNDATIONAL,
        estimated_hours=15,
        validity_months=None,
        skills=("Cloud fundamentals", "Information security awareness"),
        rubric=(
            _Criterion(
                "Core cloud services",
                "Uses storage, compute and identity services for a small task.",
                (
                    "Labs incomplete.",
                    "Completes the labs and explains what each service is for.",
                    "Also compares the costs of two ways of doing the same task.",
                ),
            ),
            _Criterion(
                "Working securely",
                "Applies least privilege and safe handling of secrets.",
                (
                    "Uses shared or over-privileged accounts.",
                    "Grants only the access needed and keeps secrets out of notes and code.",
                    "Also sets up alerts for unusual access or spending.",
                ),
            ),
        ),
        status=MicroCredential.Status.RETIRED,
    ),
)


def _create_micro_credential(
    spec: _MicroCredential, issuer: Issuer, skills: dict[str, Skill]
) -> MicroCredential:
    # Created published even when the spec says retired: retire_demo_micro_credentials
    # retires it after the assessments demo has taken a learner through it, which is how a
    # retired credential comes to have holders.
    micro_credential = MicroCredential(
        issuer=issuer,
        title=spec.title,
        slug=spec.slug,
        summary=spec.summary,
        description=spec.description,
        criteria=spec.criteria,
        evidence_expected=spec.evidence_expected,
        level=spec.level,
        estimated_hours=spec.estimated_hours,
        validity_months=spec.validity_months,
        status=MicroCredential.Status.PUBLISHED,
    )
    # The same check as an upload through the admin (a square PNG of at least 200 pixels).
    # Drawn here, the badge carries no metadata to strip, so its own bytes are stored.
    badge = _badge_png(spec)
    validate_badge_image(ContentFile(badge))
    micro_credential.badge_image.save(f"{spec.slug}.png", ContentFile(badge), save=False)
    with transaction.atomic():
        micro_credential.save()
        micro_credential.skills.set([skills[name] for name in spec.skills])
        for position, criterion_spec in enumerate(spec.rubric, start=1):
            criterion = RubricCriterion.objects.create(
                micro_credential=micro_credential,
                position=position,
                title=criterion_spec.title,
                description=criterion_spec.description,
            )
            levels = {
                name: RubricLevel.objects.create(
                    criterion=criterion, position=level_position, name=name, description=text
                )
                for level_position, (name, text) in enumerate(
                    zip(LEVEL_NAMES, criterion_spec.levels, strict=True), start=1
                )
            }
            criterion.required_level = levels[REQUIRED_LEVEL]
            criterion.save(update_fields=["required_level"])
    return micro_credential


def load_credentials_demo(*, portfolio: DemoPortfolio, stdout: TextSink) -> DemoCredentials:
    """Create (or complete) the demo issuer and its micro-credentials. Idempotent.

    Every micro-credential is assigned to the demo assessor. The one meant to be retired
    stays published until retire_demo_micro_credentials runs.
    """
    issuer = _ensure_issuer(portfolio, stdout)
    skills = {skill.name: skill for skill in Skill.objects.filter(framework=portfolio.framework)}
    existing = {
        mc.slug: mc
        for mc in MicroCredential.objects.filter(slug__in=[s.slug for s in _MICRO_CREDENTIALS])
    }
    micro_credentials, created = {}, 0
    for spec in _MICRO_CREDENTIALS:
        micro_credential = existing.get(spec.slug)
        if micro_credential is None:
            micro_credential = _create_micro_credential(spec, issuer, skills)
            created += 1
        # The README promises the demo assessor can review every demo micro-credential.
        micro_credential.assessors.add(portfolio.assessor)
        micro_credentials[spec.slug] = micro_credential
    _write(
        stdout,
        f"Micro-credentials: {created} new ({len(micro_credentials) - created} already there).",
    )
    return DemoCredentials(issuer=issuer, micro_credentials=micro_credentials)


def retire_demo_micro_credentials(*, demo: DemoCredentials) -> int:
    """Retire the demo micro-credentials whose spec says retired. Idempotent.

    Run after the assessments demo, so that learners could earn them first: retiring keeps
    issued credentials valid, which is what the retired one is there to show. Returns how
    many were retired by this call.
    """
    retired = [s.slug for s in _MICRO_CREDENTIALS if s.status == MicroCredential.Status.RETIRED]
    count = MicroCredential.objects.filter(
        slug__in=retired, status=MicroCredential.Status.PUBLISHED
    ).update(status=MicroCredential.Status.RETIRED, updated_at=timezone.now())
    for slug in retired:
        demo.micro_credentials[slug].refresh_from_db(fields=["status"])
    return count

"""The assessments' part of the demo data: applications in every state, and their credentials.

Called by load_demo after the portfolio and credentials demos. Every application goes through
the real services (start, save a response per criterion, submit, claim, request changes,
approve) and revoking through credentials' revoke_credential, so the demo has the same
history, frozen evidence, reviews and notifications as real use. Only the clock is faked:
see _backdate.

Idempotent: learners are keyed by e-mail, evidence by (owner, title), and a scenario is skipped
once its learner has what it would make (_is_played), so re-running adds nothing and leaves
alone whatever someone did while trying the demo.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from assessments import services
from assessments.models import Application, ApplicationEvent, Review
from assessments.services import ScoreInput
from credentials.demo import DemoCredentials
from credentials.models import IssuedCredential, MicroCredential, RubricCriterion
from credentials.services import revoke_credential
from portfolio.demo import DEMO_PASSWORD, DemoPortfolio, TextSink
from portfolio.models import EvidenceItem, Notification, Skill, User
from portfolio.services.evidence import create_evidence
from portfolio.services.profiles import ensure_profile, update_profile

# Notifications older than this are marked read, as their recipients would have by now; the
# unread counts then show only the last week's events.
READ_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class DemoAssessments:
    """What the assessments demo made or found, for load_demo's logins table."""

    learners: list[User]  # the queue learners, not Amara


# --- Scenarios -----------------------------------------------------------------------------
# A scenario is one application's life, step by step; each step happened `days_ago`.


@dataclass(frozen=True)
class _Answer:
    statement: str
    evidence: tuple[str, ...]  # titles in the learner's library
    self_level: str = "Meets"


@dataclass(frozen=True)
class _Draft:
    days_ago: float
    # By criterion position; fewer answers than criteria leave the rest blank.
    answers: tuple[_Answer, ...]


@dataclass(frozen=True)
class _Submit:
    days_ago: float


@dataclass(frozen=True)
class _Claim:
    days_ago: float


@dataclass(frozen=True)
class _RequestChanges:
    days_ago: float
    feedback: str
    levels: tuple[str, ...]  # a level name per criterion


@dataclass(frozen=True)
class _Revise:
    days_ago: float
    position: int  # of the criterion whose answer the learner rewrites
    answer: _Answer


@dataclass(frozen=True)
class _Approve:
    days_ago: float
    feedback: str
    levels: tuple[str, ...]


@dataclass(frozen=True)
class _Revoke:
    days_ago: float
    reason: str


_Step = _Draft | _Submit | _Claim | _RequestChanges | _Revise | _Approve | _Revoke


@dataclass(frozen=True)
class _Scenario:
    learner: str  # e-mail
    micro_credential: str  # slug
    steps: tuple[_Step, ...]

    @property
    def earns_credential(self) -> bool:
        return any(isinstance(step, _Approve) for step in self.steps)


@dataclass(frozen=True)
class _Evidence:
    title: str
    kind: str
    description: str
    skills: tuple[str, ...]
    url: str = ""
    body: str = ""
    work_done_days_ago: int = 40


@dataclass(frozen=True)
class _Learner:
    first_name: str
    last_name: str
    email: str
    headline: str
    location: str
    is_public: bool
    evidence: tuple[_Evidence, ...]


_LINK, _REFLECTION = EvidenceItem.Kind.LINK, EvidenceItem.Kind.REFLECTION
_AMARA = "learner@example.com"

# Amara's one item from before her library's story starts: the work behind the credential
# that has since expired.
_AMARA_WORKBOOK = _Evidence(
    title="Loans summary workbook for branch managers",
    kind=_REFLECTION,
    description="The monthly loans workbook I built while I still ran customer services.",
    skills=("Spreadsheet modelling", "Data visualisation"),
    body=(
        "Before the apprenticeship, the branch managers got the loans export as a raw "
        "download. I built them a workbook instead:\n\n"
        "- an **Inputs** sheet where the export is pasted unchanged, with the branches and "
        "the reporting month as named ranges;\n"
        "- a **Calculations** sheet that nobody needs to touch;\n"
        "- a **Summary** sheet with loans per branch and a chart of the last twelve months.\n\n"
        "A check cell compares the summary total with the library system's own count and "
        "turns red when they differ."
    ),
    work_done_days_ago=460,
)

_AMARA_SCENARIOS = (
    # Earned while it was published; the issuer retired it since, and it stays valid.
    _Scenario(
        _AMARA,
        "cloud-and-security-essentials",
        (
            _Draft(
                197,
                (
                    _Answer(
                        "In the labs I stored the loans export in object storage, ran the "
                        "cleaning script on a small virtual machine and gave the script its own "
                        "identity instead of my login. My notes explain what each service is "
                        "for and what it cost.",
                        ("Cloud fundamentals lab notes",),
                    ),
                    _Answer(
                        "The script's identity can read one bucket and nothing else, and the "
                        "storage key lives in the secrets manager, not in my notes or code. I "
                        "set a monthly budget alert after the first lab left a machine running "
                        "over a weekend.",
                        ("Cloud fundamentals lab notes",),
                        self_level="Exceeds",
                    ),
                ),
            ),
            _Submit(196),
            _Claim(194),
            _Approve(
                193,
                "Clear notes, and the budget alert after the weekend mistake is exactly the "
                "habit we look for.",
                ("Meets", "Exceeds"),
            ),
        ),
    ),
    # Valid for twelve months, awarded fifteen months ago: expired.
    _Scenario(
        _AMARA,
        "spreadsheet-modelling-essentials",
        (
            _Draft(
                452,
                (
                    _Answer(
                        "The workbook has three sheets: Inputs (the monthly export pasted as it "
                        "is), Calculations and Summary. Branch names and the reporting month "
                        "are named ranges, so nobody types them into a formula.",
                        ("Loans summary workbook for branch managers",),
                    ),
                    _Answer(
                        "Each month the Summary total is checked against the count from the "
                        "library system, and a cell turns red if they differ. My line manager "
                        "reviewed the formulas before we shared it.",
                        ("Loans summary workbook for branch managers",),
                    ),
                ),
            ),
            _Submit(450),
            _Claim(446),
            _Approve(
                445,
                "A tidy, well-checked model. Consider a scenarios sheet next time.",
                ("Meets", "Meets"),
            ),
        ),
    ),
    _Scenario(
        _AMARA,
        "data-cleaning-foundations",
        (
            _Draft(
                46,
                (
                    _Answer(
                        "The data quality report lists four problems with the rows each "
                        "affects: 1,046 duplicate loans from the nightly re-send, 731 kiosk "
                        "loans without a branch code, 58 returns dated before their loan and 12 "
                        "impossible ages. It traces the duplicates to the supplier's re-send "
                        "and recommends a unique loan identifier.",
                        ("Data quality report: library loans",),
                        self_level="Exceeds",
                    ),
                    _Answer(
                        "Everything is done by the scripts in the repository: each run writes a "
                        "log of every changed row, and the monthly totals are reconciled with "
                        "the finance system before and after cleaning.",
                        ("Library loans cleaning scripts", "Data quality report: library loans"),
                    ),
                    _Answer(
                        "Names and card numbers are dropped at import, postcodes cut to the "
                        "district and ages banded, with small groups suppressed. My reflection "
                        "explains each rule; the team now reuses it as a data handling note.",
                        ("Handling personal data responsibly",),
                        self_level="Exceeds",
                    ),
                ),
            ),
            _Submit(45),
            _Claim(43),
            _Approve(
                42,
                "An excellent first submission: the upstream recommendations in the report are "
                "what lift it above the standard.",
                ("Exceeds", "Meets", "Exceeds"),
            ),
        ),
    ),
    _Scenario(
        _AMARA,
        "dashboards-for-decision-makers",
        (
            _Draft(
                31,
                (
                    _Answer(
                        "The managers told me they decide each month which branches need help "
                        "with opening hours and staffing, so the mock-up leads with loans, "
                        "members and the overdue rate against target, with the branch "
                        "comparison beside the trend.",
                        ("Branch performance dashboard mock-up", "Planning the dashboard project"),
                    ),
                    _Answer(
                        "The trend is a line chart whose axis does not start at zero, marked as "
                        "such; branches are compared in a sorted bar chart; targets are written "
                        "on the cards, not shown by colour alone.",
                        ("Branch performance dashboard mock-up", "Monthly loans bar chart"),
                    ),
                    _Answer(
                        "I showed the first version to the branch managers and improved it.",
                        ("Branch performance dashboard mock-up",),
                    ),
                ),
            ),
            _Submit(30),
            _Claim(28),
            _RequestChanges(
                27,
                "The design is strong, but the testing criterion needs more: who did you test "
                "the first version with, and what changed because of it? Add that to your "
                "statement, with any notes you kept.",
                ("Meets", "Meets", "Not yet"),
            ),
            _Revise(
                25,
                3,
                _Answer(
                    "I tested the first version with three branch managers, one at a time, "
                    "asking each to find the branch furthest from target. Two looked for a "
                    "ranking that was not there and one could not tell the overdue rate from "
                    "its target, so the second version adds the sorted branch chart and labels "
                    "the targets on the cards. The retrospective board shows the actions we "
                    "agreed.",
                    (
                        "Branch performance dashboard mock-up",
                        "Sprint 6 retrospective whiteboard",
                        "Blog post: running my first usability test",
                    ),
                ),
            ),
            _Submit(24),
            _Claim(22),
            _Approve(
                21,
                "Thank you: the testing story is now clear, and the changes follow from it.",
                ("Meets", "Exceeds", "Meets"),
            ),
        ),
    ),
    # Approved, then revoked by the issuer; Amara has applied again (the next scenario).
    _Scenario(
        _AMARA,
        "accessible-service-testing",
        (
            _Draft(
                118,
                (
                    _Answer(
                        "My usability blog post lists what the five participants struggled "
                        "with, and I checked each problem against WCAG: the date picker fails "
                        "2.1.1 Keyboard and the error messages fail 3.3.1 Error Identification.",
                        ("Blog post: running my first usability test",),
                    ),
                    _Answer(
                        "I repeated the booking journey with the keyboard only.",
                        ("Blog post: running my first usability test",),
                    ),
                    _Answer(
                        "I wrote the problems up for the development team in the blog post and "
                        "in our tracker.",
                        ("Blog post: running my first usability test",),
                    ),
                ),
            ),
            _Submit(117),
            _Claim(115),
            _Approve(114, "Approved.", ("Meets", "Meets", "Meets")),
            _Revoke(
                100,
                "Issued in error: a quality review found that the evidence for this award did "
                "not show testing with a screen reader, which the rubric requires. The learner "
                "has been invited to apply again.",
            ),
        ),
    ),
    _Scenario(
        _AMARA,
        "accessible-service-testing",
        (
            _Draft(
                5,
                (
                    _Answer(
                        "The test plan maps each booking step to the WCAG 2.2 success criteria "
                        "it touches: the date picker failed 2.1.1 Keyboard and 2.4.7 Focus "
                        "Visible, and the error summary failed 3.3.1 Error Identification.",
                        (
                            "Test plan for the room bookings API",
                            "Blog post: running my first usability test",
                        ),
                    ),
                    _Answer(
                        "After the Accessibility in practice workshop I tested the whole "
                        "booking journey with the keyboard only, with NVDA on Windows and with "
                        "VoiceOver on an iPhone. NVDA read the room list as an unlabelled "
                        "table, which the automated checker had missed.",
                        (
                            "Certificate of attendance: Accessibility in practice",
                            "Blog post: running my first usability test",
                        ),
                    ),
                    _Answer(
                        "Each problem went into the team's tracker with steps to reproduce, "
                        "the screen reader output and a suggested fix. I re-tested the date "
                        "picker after the fix and it now works with the keyboard.",
                        ("Test plan for the room bookings API",),
                    ),
                ),
            ),
            _Submit(3),
        ),
    ),
    _Scenario(
        _AMARA,
        "api-testing-automation",
        (
            _Draft(
                19,
                (
                    _Answer(
                        "The test plan for the room bookings API sets out scope, approach and "
                        "cases, and the development team agreed it on 3 September. Its exit "
                        "criteria are now used for every release.",
                        ("Test plan for the room bookings API",),
                        self_level="Exceeds",
                    ),
                    _Answer(
                        "The cases in the plan are automated as integration tests against a "
                        "seeded test database.",
                        ("Test plan for the room bookings API",),
                    ),
                    _Answer(
                        "Cases RB-03 to RB-06 cover a slot taken at the same moment, a late "
                        "cancellation, a missing token and paging through 500 bookings.",
                        ("Test plan for the room bookings API",),
                    ),
                    _Answer(
                        "The tests run on every merge request.",
                        ("Test plan for the room bookings API",),
                    ),
                ),
            ),
            _Submit(18),
            _Claim(15),
            _RequestChanges(
                14,
                "The test plan is excellent, but criteria 2 and 4 ask for an automated suite "
                "that runs on every change, and the plan alone cannot show that. Please link "
                "the repository with the tests and a continuous integration run.",
                ("Exceeds", "Not yet", "Meets", "Not yet"),
            ),
        ),
    ),
    # Renewing the expired credential: a draft with one criterion answered so far.
    _Scenario(
        _AMARA,
        "spreadsheet-modelling-essentials",
        (
            _Draft(
                2,
                (
                    _Answer(
                        "Renewing this credential with this year's work: the monthly loans "
                        "chart comes from a new workbook with a named input table for each "
                        "month's export.",
                        ("Monthly loans bar chart",),
                    ),
                ),
            ),
        ),
    ),
)


# Ten more learners, each with an application waiting in the assessor's queue. Every name,
# employer and address here is invented for the demo.
_LEARNERS = (
    _Learner(
        "Farah",
        "Haddad",
        "farah.haddad@example.com",
        "Operations analyst at a housing association",
        "Bradford",
        True,
        (
            _Evidence(
                "Repairs log clean-up notebook",
                _LINK,
                "A notebook that profiles and cleans two years of the repairs log.",
                ("Data cleaning", "Python scripting"),
                url="https://code.example.org/farah-haddad/repairs-log-clean-up",
            ),
            _Evidence(
                "Why I took tenant names out of the repairs data",
                _REFLECTION,
                "What personal data the repairs analysis really needed.",
                ("Data ethics",),
                body=(
                    "The repairs log had tenant names and phone numbers in free-text notes. "
                    "The analysis only needs the property and the type of repair, so the "
                    "notebook drops both columns and masks phone numbers in the notes before "
                    "anything is saved.\n\nI checked the masking by hand on 200 notes."
                ),
            ),
        ),
    ),
    _Learner(
        "Tomasz",
        "Nowicki",
        "tomasz.nowicki@example.com",
        "Warehouse team leader learning data visualisation",
        "Cardiff",
        False,
        (
            _Evidence(
                "Picking performance dashboard prototype",
                _LINK,
                "The prototype dashboard for the shift managers.",
                ("Dashboard design", "Data visualisation"),
                url="https://dashboards.example.net/tomasz-nowicki/picking-performance",
            ),
            _Evidence(
                "What the shift managers asked for",
                _REFLECTION,
                "Notes from interviews with the three shift managers.",
                ("User research", "Stakeholder communication"),
                body=(
                    "I interviewed the three shift managers about the first hour of a shift. "
                    "They decide where to move pickers, so they need the backlog per zone and "
                    "the picking rate against the plan, not the monthly totals we had been "
                    "sending them."
                ),
            ),
        ),
    ),
    _Learner(
        "Mei-Lin",
        "Zhou",
        "meilin.zhou@example.com",
        "Finance assistant at a community theatre",
        "Glasgow",
        True,
        (
            _Evidence(
                "Ticket income forecast workbook",
                _REFLECTION,
                "How the spring season forecast is built.",
                ("Spreadsheet modelling",),
                body=(
                    "The workbook forecasts ticket income for the spring season. Inputs (seat "
                    "prices, capacity per show, expected sales by week) sit on one sheet as "
                    "named ranges, calculations on a second, and the summary and charts on a "
                    "third.\n\nThe box office manager can change the sales assumptions "
                    "without touching a formula."
                ),
            ),
            _Evidence(
                "Checks I run before sharing the forecast",
                _LINK,
                "The checklist that goes with the forecast workbook.",
                ("Spreadsheet modelling", "Data visualisation"),
                url="https://docs.example.net/meilin-zhou/forecast-checks",
            ),
        ),
    ),
    _Learner(
        "Kojo",
        "Amankwah",
        "kojo.amankwah@example.com",
        "Front-end developer moving into accessibility",
        "Manchester",
        True,
        (
            _Evidence(
                "Accessibility audit of the volunteer sign-up form",
                _LINK,
                "Findings, WCAG references and fixes for a charity's sign-up form.",
                ("Accessibility testing",),
                url="https://code.example.org/kojo-amankwah/volunteer-form-audit",
            ),
            _Evidence(
                "Screen reader testing notes",
                _REFLECTION,
                "What NVDA and VoiceOver found in the sign-up form.",
                ("Accessibility testing", "User research"),
                body=(
                    "I tested the sign-up form with NVDA and Firefox, then VoiceOver on an "
                    "iPhone.\n\n"
                    "- The date of birth fields were read as three unlabelled edit boxes.\n"
                    "- Errors appeared on screen but were never announced.\n"
                    "- After an error, the submit button could not be reached with the "
                    "keyboard.\n\n"
                    "The automated checker flagged none of these."
                ),
            ),
        ),
    ),
    _Learner(
        "Siobhán",
        "Dunleavy",
        "siobhan.dunleavy@example.com",
        "QA analyst at a ticketing start-up",
        "Belfast",
        False,
        (
            _Evidence(
                "Event listings API test suite",
                _LINK,
                "The automated tests for the event listings API.",
                ("Automated testing", "API integration", "Version control with Git"),
                url="https://code.example.org/siobhan-dunleavy/listings-api-tests",
            ),
            _Evidence(
                "How we agreed what to test",
                _REFLECTION,
                "Planning the API testing with the developers.",
                ("Automated testing", "Stakeholder communication"),
                body=(
                    "Before writing any test I met the two API developers and the product "
                    "owner to agree the scope: listing, searching and holding tickets, but "
                    "not payments. We wrote the cases together and agreed that no release "
                    "goes out with a failing contract test."
                ),
            ),
            _Evidence(
                "CI run with the API tests",
                _LINK,
                "A pipeline run that blocked a change, and the run after its fix.",
                ("Automated testing",),
                url="https://ci.example.org/siobhan-dunleavy/listings-api/runs/482",
            ),
        ),
    ),
    _Learner(
        "Rahul",
        "Venkataraman",
        "rahul.venkataraman@example.com",
        "Volunteer coordinator at a food bank",
        "Leicester",
        True,
        (
            _Evidence(
                "Food bank visits spreadsheet clean-up",
                _LINK,
                "The written steps and formulas for cleaning the monthly visits export.",
                ("Data cleaning", "Spreadsheet modelling"),
                url="https://docs.example.net/rahul-venkataraman/visits-clean-up",
            ),
            _Evidence(
                "Keeping visitors' data to a minimum",
                _REFLECTION,
                "What the monthly report keeps from visitors' addresses, and why.",
                ("Data ethics",),
                body=(
                    "Visitors' full addresses were in the export because the referral form "
                    "asks for them. The monthly report needs only the ward, so the clean-up "
                    "keeps the ward and deletes the address; a ward with fewer than five "
                    "visitors is shown as *fewer than 5*."
                ),
            ),
        ),
    ),
    _Learner(
        "Leilani",
        "Kahale",
        "leilani.kahale@example.com",
        "Marketing coordinator turning to analytics",
        "Bristol",
        False,
        (
            _Evidence(
                "Newsletter engagement dashboard",
                _LINK,
                "The dashboard the editors use to plan each issue.",
                ("Dashboard design", "Data visualisation"),
                url="https://dashboards.example.net/leilani-kahale/newsletter",
            ),
            _Evidence(
                "Testing the dashboard with the editors",
                _REFLECTION,
                "Two editors, one dashboard, and what changed.",
                ("User research", "Dashboard design"),
                body=(
                    "I sat with two newsletter editors while they used the first version to "
                    "choose next month's topics. Both ignored the open-rate gauge and went "
                    "straight to the clicks per article, so the second version drops the "
                    "gauge and leads with a ranked bar chart of articles."
                ),
            ),
        ),
    ),
    _Learner(
        "Mateo",
        "Quispe",
        "mateo.quispe@example.com",
        "Customer support lead at a bike-share scheme",
        "Edinburgh",
        True,
        (
            _Evidence(
                "Keyboard and screen reader test of web booking",
                _REFLECTION,
                "Testing the bike hire web booking without a mouse.",
                ("Accessibility testing",),
                body=(
                    "I tested the web booking journey with the keyboard only and with "
                    "VoiceOver on a Mac. The map could not be used without a mouse, and the "
                    "station list had no headings, so VoiceOver users had to hear every "
                    "station to find theirs."
                ),
            ),
            _Evidence(
                "Accessibility issues raised with the development team",
                _LINK,
                "The issues I opened, with steps to reproduce.",
                ("Accessibility testing", "User research"),
                url="https://issues.example.org/bikeshare/web-booking?label=accessibility",
            ),
        ),
    ),
    _Learner(
        "Ingrid",
        "Solberg",
        "ingrid.solberg@example.com",
        "Office manager at an architecture practice",
        "York",
        False,
        (
            _Evidence(
                "Project hours model",
                _REFLECTION,
                "Staff hours per project against the fee budget.",
                ("Spreadsheet modelling",),
                body=(
                    "Rates and budgets are inputs on one sheet; the timesheet export is pasted "
                    "unchanged into another; a summary sheet shows each project's hours "
                    "against its budget. A check cell flags any project with hours but no "
                    "budget, and the hours total is reconciled with the timesheet system."
                ),
            ),
        ),
    ),
    _Learner(
        "Nnamdi",
        "Eze",
        "nnamdi.eze@example.com",
        "Junior developer on a council digital team",
        "Birmingham",
        True,
        (
            _Evidence(
                "Bin collection API tests",
                _LINK,
                "Automated tests for the council's bin collection API.",
                ("Automated testing", "API integration"),
                url="https://code.example.org/nnamdi-eze/bin-collection-api-tests",
            ),
            _Evidence(
                "Test plan for the bin collection API",
                _REFLECTION,
                "Scope and cases, agreed with the developers and the service owner.",
                ("Automated testing", "Technical writing"),
                body=(
                    "Agreed with the two developers and the service owner: address lookup, "
                    "collection dates and missed-bin reports, but not garden waste payments. "
                    "The cases cover unknown postcodes, bank holiday changes and paging "
                    "through long address lists."
                ),
            ),
            _Evidence(
                "Pipeline runs for the API tests",
                _LINK,
                "The tests run on every merge request.",
                ("Automated testing", "Version control with Git"),
                url="https://ci.example.org/nnamdi-eze/bin-collection-api/pipelines",
            ),
        ),
    ),
)


def _queued(
    email: str,
    slug: str,
    answers: tuple[_Answer, ...],
    *,
    submitted: float,
    changes: tuple[float, str, tuple[str, ...], int, _Answer] | None = None,
) -> _Scenario:
    """A scenario that ends in the queue: submitted, or resubmitted after changes."""
    if changes is None:
        return _Scenario(email, slug, (_Draft(submitted + 1, answers), _Submit(submitted)))
    first, feedback, levels, position, revised = changes
    return _Scenario(
        email,
        slug,
        (
            _Draft(first + 1, answers),
            _Submit(first),
            _Claim(first - 1),
            _RequestChanges(first - 2, feedback, levels),
            _Revise(submitted + 1, position, revised),
            _Submit(submitted),
        ),
    )


# Oldest first, as the queue shows them.
_QUEUE_SCENARIOS = (
    _queued(
        "farah.haddad@example.com",
        "data-cleaning-foundations",
        (
            _Answer(
                "The notebook's first section profiles every column: 3.1% of jobs were logged "
                "twice when a job was reassigned, 412 had no completion date, and trade names "
                "were spelled eleven different ways.",
                ("Repairs log clean-up notebook",),
            ),
            _Answer(
                "The notebook runs top to bottom on each month's export and logs every change; "
                "a colleague ran it on October's data and got the same totals.",
                ("Repairs log clean-up notebook",),
            ),
            _Answer(
                "Tenant names and phone numbers are removed before anything is saved; my "
                "reflection explains why the analysis does not need them.",
                ("Why I took tenant names out of the repairs data",),
            ),
        ),
        submitted=25,
    ),
    _queued(
        "tomasz.nowicki@example.com",
        "dashboards-for-decision-makers",
        (
            _Answer(
                "Shift managers decide where to move pickers in the first hour of a shift, so "
                "the dashboard opens on the backlog per zone and the picking rate against plan.",
                ("Picking performance dashboard prototype", "What the shift managers asked for"),
            ),
            _Answer(
                "I used a pie chart for each zone's share of picks and a table for the rates.",
                ("Picking performance dashboard prototype",),
            ),
            _Answer(
                "I tried the prototype with two shift managers at a real shift start; both "
                "wanted the zones in the warehouse's physical order, so I changed it.",
                ("What the shift managers asked for",),
            ),
        ),
        submitted=20,
        changes=(
            29,
            "Good structure. The pie charts make the zones hard to compare: choose a chart "
            "that suits each question and say why.",
            ("Meets", "Not yet", "Meets"),
            2,
            _Answer(
                "I replaced the pie charts with a bar chart sorted by backlog, because managers "
                "compare zones, and show the picking rate as a line against the plan for the "
                "shift so far. Targets are labelled, not only coloured.",
                ("Picking performance dashboard prototype",),
            ),
        ),
    ),
    _queued(
        "meilin.zhou@example.com",
        "spreadsheet-modelling-essentials",
        (
            _Answer(
                "Inputs are on their own sheet as named ranges, calculations on a second and "
                "the summary on a third, which reads only from the calculations.",
                ("Ticket income forecast workbook",),
            ),
            _Answer(
                "Before sharing I reconcile total capacity with the seating plan and last "
                "season's income with the accounts; a check cell turns red if either differs "
                "by more than 1%. The finance manager reviewed every formula.",
                ("Checks I run before sharing the forecast",),
            ),
        ),
        submitted=16,
    ),
    _queued(
        "kojo.amankwah@example.com",
        "accessible-service-testing",
        (
            _Answer(
                "The audit maps 14 findings to WCAG 2.2 success criteria, for example 1.3.1 "
                "Info and Relationships for the unlabelled date fields and 3.3.1 Error "
                "Identification.",
                ("Accessibility audit of the volunteer sign-up form",),
            ),
            _Answer(
                "I ran two automated checkers on every page of the form.",
                ("Accessibility audit of the volunteer sign-up form",),
            ),
            _Answer(
                "Each finding is an issue in the repository with steps to reproduce and a "
                "suggested fix; eleven are fixed and I re-tested them.",
                ("Accessibility audit of the volunteer sign-up form",),
            ),
        ),
        submitted=13,
        changes=(
            24,
            "Your WCAG mapping is thorough, but only automated tools appear in the evidence. "
            "Test with the keyboard only and a screen reader, and tell us what you found that "
            "the tools missed.",
            ("Meets", "Not yet", "Meets"),
            2,
            _Answer(
                "I then tested the form with the keyboard only, with NVDA and Firefox, and with "
                "VoiceOver on an iPhone. The screen readers found three problems the tools "
                "missed; my notes describe them.",
                (
                    "Accessibility audit of the volunteer sign-up form",
                    "Screen reader testing notes",
                ),
            ),
        ),
    ),
    _queued(
        "siobhan.dunleavy@example.com",
        "api-testing-automation",
        (
            _Answer(
                "We agreed the scope and the cases with the developers and the product owner "
                "before any test was written.",
                ("How we agreed what to test",),
            ),
            _Answer(
                "The suite uses a seeded test database; anyone can run it with one command, "
                "and it finishes in 40 seconds.",
                ("Event listings API test suite",),
                self_level="Exceeds",
            ),
            _Answer(
                "Tests cover 400, 401, 404 and 409 responses, expired tokens and paging through "
                "1,000 events; one test holds the same seat from two clients at once.",
                ("Event listings API test suite",),
                self_level="Exceeds",
            ),
            _Answer(
                "The suite runs on every merge request and a failure blocks the merge; the "
                "linked run shows a blocked change and its fix.",
                ("CI run with the API tests",),
            ),
        ),
        submitted=11,
    ),
    _queued(
        "rahul.venkataraman@example.com",
        "data-cleaning-foundations",
        (
            _Answer(
                "I found 214 visits entered twice on the same day, dates in three formats and 38 "
                "visits without a referral agency; the document counts each.",
                ("Food bank visits spreadsheet clean-up",),
            ),
            _Answer(
                "The clean-up is a set of written steps and formulas that the other volunteers "
                "now follow each month; the totals match the paper sign-in sheets.",
                ("Food bank visits spreadsheet clean-up",),
            ),
            _Answer(
                "I was careful with personal data.",
                ("Food bank visits spreadsheet clean-up",),
            ),
        ),
        submitted=8,
        changes=(
            18,
            "Good cleaning work. The data includes visitors' addresses: explain what you "
            "kept, what you removed and why.",
            ("Meets", "Meets", "Not yet"),
            3,
            _Answer(
                "Only the ward is kept from each address, and small counts are suppressed; my "
                "reflection explains both choices.",
                ("Food bank visits spreadsheet clean-up", "Keeping visitors' data to a minimum"),
            ),
        ),
    ),
    _queued(
        "leilani.kahale@example.com",
        "dashboards-for-decision-makers",
        (
            _Answer(
                "Editors choose next month's topics, so the dashboard leads with which articles "
                "readers clicked and how that changed over the last three issues.",
                ("Newsletter engagement dashboard", "Testing the dashboard with the editors"),
            ),
            _Answer(
                "A ranked bar chart for clicks per article, a small line chart for the trend and "
                "no gauges: each chart's title states its finding.",
                ("Newsletter engagement dashboard",),
            ),
            _Answer(
                "Two editors used the first version to plan an issue; what they ignored and "
                "what they looked for shaped the second version.",
                ("Testing the dashboard with the editors",),
            ),
        ),
        submitted=6,
    ),
    _queued(
        "mateo.quispe@example.com",
        "accessible-service-testing",
        (
            _Answer(
                "Each issue names the WCAG 2.2 criterion it fails: 2.1.1 Keyboard for the map, "
                "1.3.1 and 2.4.6 for the station list.",
                (
                    "Keyboard and screen reader test of web booking",
                    "Accessibility issues raised with the development team",
                ),
            ),
            _Answer(
                "Keyboard only and VoiceOver on a Mac, over the whole booking journey.",
                ("Keyboard and screen reader test of web booking",),
            ),
            _Answer(
                "Seven issues with steps to reproduce; the team has added headings to the "
                "station list and I re-tested it.",
                ("Accessibility issues raised with the development team",),
            ),
        ),
        submitted=4,
    ),
    _queued(
        "ingrid.solberg@example.com",
        "spreadsheet-modelling-essentials",
        (
            _Answer(
                "Rates and budgets are inputs on their own sheet, the timesheet export is "
                "pasted unchanged into another, and the summary reads only from those.",
                ("Project hours model",),
            ),
            _Answer(
                "The hours total is reconciled with the timesheet system, a check cell flags "
                "projects without a budget, and the partners reviewed the formulas.",
                ("Project hours model",),
            ),
        ),
        submitted=2,
    ),
    _queued(
        "nnamdi.eze@example.com",
        "api-testing-automation",
        (
            _Answer(
                "The plan was agreed with the developers and the service owner, and says what "
                "is out of scope.",
                ("Test plan for the bin collection API",),
            ),
            _Answer(
                "The planned cases are automated and run from one command.",
                ("Bin collection API tests",),
            ),
            _Answer(
                "Unknown postcodes, bank holiday changes and long address lists are all tested.",
                ("Bin collection API tests", "Test plan for the bin collection API"),
            ),
            _Answer(
                "The tests run in the pipeline on every merge request.",
                ("Pipeline runs for the API tests",),
            ),
        ),
        submitted=1,
    ),
)


def _write(stdout: TextSink, line: str) -> None:
    stdout.write(line + "\n")


# --- Learners ------------------------------------------------------------------------------


def _ensure_evidence(
    owner: User, specs: Sequence[_Evidence], skills: dict[str, Skill], now: datetime
) -> int:
    existing = set(
        EvidenceItem.objects.filter(owner=owner, title__in=[s.title for s in specs]).values_list(
            "title", flat=True
        )
    )
    created = 0
    for spec in specs:
        if spec.title in existing:
            continue
        create_evidence(
            owner=owner,
            kind=spec.kind,
            title=spec.title,
            description=spec.description,
            work_done_on=(now - timedelta(days=spec.work_done_days_ago)).date(),
            skills=[skills[name] for name in spec.skills],
            url=spec.url,
            body=spec.body,
        )
        created += 1
    return created


def _ensure_learner(spec: _Learner, password_hash: Callable[[], str]) -> tuple[User, bool]:
    user = User.objects.filter(email=spec.email).first()
    created = user is None
    if user is None:
        user = User.objects.create(
            email=spec.email,
            password=password_hash(),
            role=User.Role.LEARNER,
            first_name=spec.first_name,
            last_name=spec.last_name,
        )
    # As for the other demo logins: without a verified address, mandatory verification would
    # hold the login at "confirm your e-mail".
    EmailAddress.objects.update_or_create(
        user=user, email=spec.email, defaults={"verified": True, "primary": True}
    )
    display_name = f"{spec.first_name} {spec.last_name}"
    profile = ensure_profile(user=user, display_name=display_name)
    # Filled once, like Amara's: re-running must not undo edits made while trying the demo.
    if not profile.headline:
        update_profile(
            profile=profile,
            by=user,
            display_name=display_name,
            slug=profile.slug,
            headline=spec.headline,
            location=spec.location,
            is_public=spec.is_public,
        )
    return user, created


# --- Playing scenarios ---------------------------------------------------------------------


def _last_notification_pk() -> int:
    last: int | None = Notification.objects.aggregate(last=Max("pk"))["last"]
    return last or 0


# One commit for the dozen updates of a step, rather than one each.
@transaction.atomic
def _backdate(
    application: Application, *, when: datetime, since: datetime, after_notification: int
) -> None:
    """Move everything one demo step wrote from now to `when`.

    Demo back-dating: the services stamp what they write with timezone.now(), but the demo
    needs a history spread over past weeks and months (the queue sorts oldest first and
    filters by age, and one credential must have expired). So each step runs now through the
    real services, and then what it wrote moves back: this application's timestamps set since
    the step began, its new history rows and review, the credential it issued or revoked, and
    the notifications it raised. load_demo runs alone, so nothing else writes meanwhile.
    """
    applications = Application.objects.filter(pk=application.pk)
    for field in ("created_at", "updated_at", "submitted_at", "first_submitted_at", "decided_at"):
        applications.filter(**{f"{field}__gte": since}).update(**{field: when})
    ApplicationEvent.objects.filter(application=application, created_at__gte=since).update(
        created_at=when
    )
    Review.objects.filter(application=application, created_at__gte=since).update(created_at=when)
    credential = (
        None
        if application.credential_id is None
        else IssuedCredential.objects.get(pk=application.credential_id)
    )
    if credential is not None and credential.issued_at >= since:
        # Keep the validity period: the expiry moves back by as much as the issue date.
        shift = credential.issued_at - when
        IssuedCredential.objects.filter(pk=credential.pk).update(
            issued_at=when,
            expires_at=credential.expires_at - shift if credential.expires_at else None,
        )
    if credential is not None and credential.revoked_at and credential.revoked_at >= since:
        IssuedCredential.objects.filter(pk=credential.pk).update(revoked_at=when)
    notifications = Notification.objects.filter(pk__gt=after_notification)
    notifications.update(created_at=when)
    if when < timezone.now() - READ_AFTER:
        notifications.filter(read_at__isnull=True).update(read_at=when)


def _scores(criteria: Sequence[RubricCriterion], levels: Sequence[str]) -> dict[int, ScoreInput]:
    # A criterion added in the admin since the scenario was written gets its required level.
    return {
        criterion.pk: ScoreInput(level_id=_level_id(criterion, levels[index]))
        if index < len(levels)
        else ScoreInput(level_id=_required_level_id(criterion))
        for index, criterion in enumerate(criteria)
    }


def _required_level_id(criterion: RubricCriterion) -> int:
    if criterion.required_level_id is None:
        raise ValueError(f"The demo cannot score {criterion}: it has no required level.")
    return criterion.required_level_id


def _level_id(criterion: RubricCriterion, name: str) -> int:
    # A level renamed in the admin since the scenario was written: use the required one.
    for level in criterion.levels.all():
        if level.name == name:
            return level.pk
    return _required_level_id(criterion)


@dataclass(frozen=True)
class _Cast:
    """Who plays each part in a scenario."""

    learner: User
    assessor: User
    issuer_staff: User


def _save_answer(
    application: Application,
    criterion: RubricCriterion,
    answer: _Answer,
    library: dict[str, int],
    learner: User,
) -> None:
    services.save_response(
        application_id=application.pk,
        by=learner,
        criterion_id=criterion.pk,
        statement=answer.statement,
        self_assessed_level_id=_level_id(criterion, answer.self_level),
        evidence_item_ids=[library[title] for title in answer.evidence],
    )


def _perform(
    step: _Step,
    application: Application | None,
    micro_credential: MicroCredential,
    criteria: Sequence[RubricCriterion],
    cast: _Cast,
) -> Application:
    if isinstance(step, _Draft):
        application = services.start_application(
            learner=cast.learner, micro_credential_id=micro_credential.pk
        )
        library = dict(EvidenceItem.objects.filter(owner=cast.learner).values_list("title", "pk"))
        for criterion, answer in zip(criteria, step.answers, strict=False):
            _save_answer(application, criterion, answer, library, cast.learner)
        return application
    if application is None:
        raise ValueError("A demo scenario starts with a draft.")
    if isinstance(step, _Submit):
        return services.submit_application(application_id=application.pk, by=cast.learner)
    if isinstance(step, _Claim):
        return services.claim_application(application_id=application.pk, by=cast.assessor)
    if isinstance(step, _RequestChanges):
        return services.request_changes(
            application_id=application.pk,
            by=cast.assessor,
            scores=_scores(criteria, step.levels),
            feedback=step.feedback,
        )
    if isinstance(step, _Revise):
        library = dict(EvidenceItem.objects.filter(owner=cast.learner).values_list("title", "pk"))
        criterion = next(c for c in criteria if c.position == step.position)
        _save_answer(application, criterion, step.answer, library, cast.learner)
        return application
    if isinstance(step, _Approve):
        return services.approve_application(
            application_id=application.pk,
            by=cast.assessor,
            scores=_scores(criteria, step.levels),
            feedback=step.feedback,
        )
    if application.credential_id is None:
        raise ValueError("A demo scenario revokes only after approving.")
    revoke_credential(
        credential_id=application.credential_id, by=cast.issuer_staff, reason=step.reason
    )
    return application


def _is_played(scenario: _Scenario, learner: User, micro_credential: MicroCredential) -> bool:
    """Whether the learner already has what this scenario would make."""
    if scenario.earns_credential:
        # Done once the learner holds a credential for it, whatever has happened to it since.
        return IssuedCredential.objects.filter(
            learner=learner, micro_credential=micro_credential
        ).exists()
    # Otherwise the scenario leaves an application without a credential. It is done once one
    # exists, whatever its state now (someone may have withdrawn it while trying the demo),
    # or once the learner holds a valid credential (someone may have approved it).
    return (
        Application.objects.filter(
            learner=learner, micro_credential=micro_credential, credential__isnull=True
        ).exists()
        or IssuedCredential.objects.valid_at(timezone.now())
        .filter(learner=learner, micro_credential=micro_credential)
        .exists()
    )


def _play(
    scenario: _Scenario, micro_credential: MicroCredential, cast: _Cast, now: datetime
) -> None:
    criteria = list(micro_credential.criteria_set.prefetch_related("levels").order_by("position"))
    application: Application | None = None
    for step in scenario.steps:
        since, after_notification = timezone.now(), _last_notification_pk()
        application = _perform(step, application, micro_credential, criteria, cast)
        _backdate(
            application,
            when=now - timedelta(days=step.days_ago),
            since=since,
            after_notification=after_notification,
        )
        application.refresh_from_db()


def load_assessments_demo(
    *, portfolio: DemoPortfolio, credentials: DemoCredentials, stdout: TextSink
) -> DemoAssessments:
    """Create (or complete) the demo learners, applications and credentials. Idempotent.

    Amara ends with credentials that are valid, expired and revoked (one of a since-retired
    micro-credential) and applications in draft, submitted and changes requested; ten more
    learners each have an application waiting in the demo assessor's queue.
    """
    now = timezone.now()
    skills = {skill.name: skill for skill in Skill.objects.filter(framework=portfolio.framework)}
    _ensure_evidence(portfolio.learner, [_AMARA_WORKBOOK], skills, now)

    password_hash = functools.cache(lambda: make_password(DEMO_PASSWORD))
    learners, new_learners, new_evidence = {}, 0, 0
    for spec in _LEARNERS:
        user, created = _ensure_learner(spec, password_hash)
        learners[spec.email] = user
        new_learners += created
        new_evidence += _ensure_evidence(user, spec.evidence, skills, now)
    _write(
        stdout,
        f"Learners: {new_learners} new queue learners ({len(learners) - new_learners} already "
        f"there), {new_evidence} new evidence items.",
    )

    learners[_AMARA] = portfolio.learner
    played = skipped = 0
    for scenario in (*_AMARA_SCENARIOS, *_QUEUE_SCENARIOS):
        learner = learners[scenario.learner]
        micro_credential = credentials.micro_credentials[scenario.micro_credential]
        # A retired micro-credential takes no applications: a scenario for it that never ran
        # (an interrupted first load) cannot run now.
        if _is_played(scenario, learner, micro_credential) or (
            micro_credential.status != MicroCredential.Status.PUBLISHED
        ):
            skipped += 1
            continue
        cast = _Cast(learner=learner, assessor=portfolio.assessor, issuer_staff=portfolio.issuer)
        _play(scenario, micro_credential, cast, now)
        played += 1
    _write(stdout, f"Applications: {played} demo scenarios played ({skipped} already there).")
    return DemoAssessments(learners=[learners[spec.email] for spec in _LEARNERS])

"""The demo's data files: read and checked before load_demo writes anything."""

import io
import shutil

import pytest
from django.core.management import CommandError, call_command

from demo import specs
from demo.directory import read_directory_data
from demo.specs import Asset, DemoDataError, read_demo_data
from portfolio.models import User
from portfolio.pdfs import strip_active_content
from portfolio.uploads import inspect_upload, process_image

ASSETS = sorted(path for path in specs.ASSETS_DIR.rglob("*") if path.is_file())


@pytest.fixture
def data_dir(tmp_path):
    """A copy of demo/data/ to break."""
    copy = tmp_path / "data"
    shutil.copytree(specs.DATA_DIR, copy)
    return copy


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def refusal(data_dir):
    with pytest.raises(DemoDataError) as caught:
        read_demo_data(data_dir)
    return str(caught.value)


def test_the_shipped_data_files_read_cleanly():
    data = read_demo_data()

    assert data.framework_name == "Digital and Data Skills"
    assert [spec.email for spec in data.logins.values()] == [
        "learner@example.com",
        "assessor@example.com",
        "employer@example.com",
        "issuer@example.com",
    ]
    assert len(data.learner.evidence) == 12
    assert [spec.slug for spec in data.micro_credentials][-1] == "cloud-and-security-essentials"
    assert data.micro_credentials[-1].status == "retired"
    assert (len(data.queue_learners), len(data.scenarios)) == (10, 18)
    assert (data.level_names, data.required_level) == (("Not yet", "Meets", "Exceeds"), "Meets")
    # An answer without a self_level takes the scale's required level.
    first_answer = data.scenarios[0].steps[0].answers[0]
    assert first_answer.self_level == "Meets"
    for spec in data.learner.evidence:
        if spec.file is not None:
            assert spec.file.read()[:4] in {b"%PDF", b"\x89PNG", b"RIFF", b"\xff\xd8\xff\xe0"}


def test_every_asset_is_used_by_the_data_files():
    data = read_demo_data()
    directory = read_directory_data(data)
    used = {
        directory.issuer.logo,
        *(spec.badge for spec in directory.micro_credentials),
        data.learner.profile.avatar,
        data.issuer.logo,
        *(spec.file for spec in data.learner.evidence),
        *(spec.badge for spec in data.micro_credentials),
    } - {None}

    assert sorted(asset.path for asset in used) == ASSETS


@pytest.mark.parametrize("path", ASSETS, ids=lambda path: path.name)
def test_every_asset_is_small_and_passes_the_upload_checks(path):
    asset = Asset(path)
    data = asset.read()

    assert len(data) <= 64 * 1024
    inspected = inspect_upload(data, original_name=path.name)
    assert inspected.content_type == asset.content_type
    if inspected.is_image:
        image = process_image(data)
        assert (image.content_type, image.width > 0) == (asset.content_type, True)
    else:
        assert strip_active_content(data).startswith(b"%PDF-")


def test_invalid_toml_names_the_file_and_the_line(data_dir):
    issuer_toml = data_dir / "issuer.toml"
    edit(issuer_toml, 'slug = "harbourside-digital-skills"', "slug = harbourside")
    line = issuer_toml.read_text(encoding="utf-8").splitlines().index("slug = harbourside") + 1

    assert refusal(data_dir) == (
        f"{issuer_toml}: not valid TOML: Invalid value (at line {line}, column 8)"
    )


def test_a_missing_key_names_the_file_entry_and_key(data_dir):
    edit(data_dir / "issuer.toml", 'title = "Spreadsheet Modelling Essentials"\n', "")

    assert refusal(data_dir) == (
        f"{data_dir / 'issuer.toml'}, micro_credentials #3 ('spreadsheet-modelling-essentials'), "
        "title: missing"
    )


def test_a_misspelt_key_is_refused_rather_than_ignored(data_dir):
    edit(data_dir / "learners.toml", "headline = ", "headlin = ")

    assert refusal(data_dir) == (
        f"{data_dir / 'learners.toml'}, learners #1 ('farah.haddad@example.com'), headline: missing"
    )
    edit(data_dir / "learners.toml", "headlin = ", "headline = ")
    edit(data_dir / "users.toml", "is_superuser = true", "is_superuser = true\nis_admin = true")

    assert refusal(data_dir) == f"{data_dir / 'users.toml'}, [issuer]: unknown key 'is_admin'"


def test_a_value_of_the_wrong_type_or_choice_is_refused(data_dir):
    edit(data_dir / "issuer.toml", "estimated_hours = 20", 'estimated_hours = "20"')

    assert refusal(data_dir) == (
        f"{data_dir / 'issuer.toml'}, micro_credentials #1 ('data-cleaning-foundations'), "
        "estimated_hours: must be a whole number, not '20'"
    )
    edit(data_dir / "issuer.toml", 'estimated_hours = "20"', "estimated_hours = 20")
    edit(data_dir / "users.toml", 'role = "employer"', 'role = "recruiter"')

    assert refusal(data_dir) == (
        f"{data_dir / 'users.toml'}, [employer], role: must be one of learner, assessor, "
        "issuer_staff, employer, not 'recruiter'"
    )


def test_a_skill_missing_from_the_skills_file_is_named(data_dir):
    edit(data_dir / "library.toml", '"Dashboard design", ', '"Dashboard desgin", ')

    assert refusal(data_dir) == (
        f"{data_dir / 'library.toml'}, evidence #1 ('Branch performance dashboard mock-up'), "
        "skills: 'Dashboard desgin' is not a skill in skills.csv"
    )


def test_a_missing_asset_is_named(data_dir):
    edit(data_dir / "library.toml", "evidence/monthly-loans.png", "evidence/monthly-loans.gif")

    assert refusal(data_dir) == (
        f"{data_dir / 'library.toml'}, evidence #3 ('Monthly loans bar chart'), "
        "file: there is no file 'evidence/monthly-loans.gif' in demo/assets/"
    )


def test_an_asset_outside_the_assets_folder_is_refused(data_dir):
    edit(data_dir / "issuer.toml", "issuer/harbourside-logo.png", "../data/skills.csv")

    assert refusal(data_dir) == (
        f"{data_dir / 'issuer.toml'}, [issuer], logo: there is no file '../data/skills.csv' "
        "in demo/assets/"
    )


def test_a_rubric_criterion_must_describe_every_level(data_dir):
    edit(
        data_dir / "issuer.toml",
        '    "Lists some problems but does not check how many rows they affect.",\n',
        "",
    )

    assert refusal(data_dir) == (
        f"{data_dir / 'issuer.toml'}, micro_credentials #1 ('data-cleaning-foundations'), "
        "rubric #1 ('Finding problems in the data'), levels: must describe each of the 3 levels "
        "of the rubric scale (Not yet, Meets, Exceeds), in order; it has 2"
    )


def test_an_answer_citing_evidence_outside_the_library_names_the_step(data_dir):
    edit(data_dir / "applications.toml", '"Cloud fundamentals lab notes"', '"Cloud lab notes"')

    assert refusal(data_dir) == (
        f"{data_dir / 'applications.toml'}, scenarios #1 (learner@example.com, "
        "cloud-and-security-essentials), steps #1 ('draft'), answers #1, evidence: "
        "'Cloud lab notes' is not in learner@example.com's evidence library"
    )


def test_a_decision_must_score_every_criterion_with_a_level_of_the_scale(data_dir):
    edit(data_dir / "applications.toml", 'levels = ["Meets", "Exceeds"]', 'levels = ["Meets"]')

    assert refusal(data_dir) == (
        f"{data_dir / 'applications.toml'}, scenarios #1 (learner@example.com, "
        "cloud-and-security-essentials), steps #4 ('approve'), levels: must name a level "
        "(Not yet, Meets, Exceeds) for each of the 2 criteria of cloud-and-security-essentials"
    )


def test_a_scenario_must_start_with_a_draft_and_keep_time_moving_forward(data_dir):
    edit(data_dir / "applications.toml", 'action = "draft"', 'action = "submit"')

    assert refusal(data_dir) == (
        f"{data_dir / 'applications.toml'}, scenarios #1 (learner@example.com, "
        "cloud-and-security-essentials), steps #1 ('submit'), action: a scenario starts with "
        "a draft, and has only one"
    )
    edit(data_dir / "applications.toml", 'action = "submit"', 'action = "draft"')
    edit(data_dir / "applications.toml", "days_ago = 196", "days_ago = 198")

    assert refusal(data_dir) == (
        f"{data_dir / 'applications.toml'}, scenarios #1 (learner@example.com, "
        "cloud-and-security-essentials), steps #2 ('submit'), days_ago: must not be earlier "
        "than the step before it"
    )


@pytest.mark.django_db
def test_load_demo_stops_on_a_bad_data_file_before_writing_anything(data_dir, monkeypatch):
    edit(
        data_dir / "applications.toml",
        'micro_credential = "api-testing-automation"',
        'micro_credential = "api-testing"',
    )
    monkeypatch.setattr(specs, "DATA_DIR", data_dir)

    with pytest.raises(CommandError) as caught:
        call_command("load_demo", stdout=io.StringIO())

    assert str(caught.value).startswith(
        f"{data_dir / 'applications.toml'}, scenarios #7 (learner@example.com, api-testing), "
        "micro_credential: must be one of data-cleaning-foundations, "
    )
    assert not User.objects.exists()


def test_the_eu_recommendations_elements_are_checked(data_dir):
    edit(data_dir / "issuer.toml", 'participation = "blended"', 'participation = "by post"')

    assert refusal(data_dir) == (
        f"{data_dir / 'issuer.toml'}, micro_credentials #1 ('data-cleaning-foundations'), "
        "participation: must be one of online, on_site, blended, work_experience, volunteering, "
        "not 'by post'"
    )
    edit(data_dir / "issuer.toml", 'participation = "by post"', 'participation = "blended"')
    edit(data_dir / "issuer.toml", "ects_credits = 1.5", "ects_credits = 1.25")

    assert refusal(data_dir) == (
        f"{data_dir / 'issuer.toml'}, micro_credentials #5 ('api-testing-automation'), "
        "ects_credits: must have at most 1 decimal places, not 1.25"
    )
    edit(data_dir / "issuer.toml", "ects_credits = 1.25\n", "ects_credits = 0\n")

    assert refusal(data_dir) == (
        f"{data_dir / 'issuer.toml'}, micro_credentials #5 ('api-testing-automation'), "
        "ects_credits: must be more than 0 and at most 60, not 0"
    )
    edit(data_dir / "issuer.toml", "ects_credits = 0\n", "ects_credits = 1.5\n")
    edit(data_dir / "issuer.toml", "eqf_level = 6", "eqf_level = 9")

    assert refusal(data_dir) == (
        f"{data_dir / 'issuer.toml'}, micro_credentials #5 ('api-testing-automation'), "
        "eqf_level: must be at most 8, not 9"
    )
    edit(data_dir / "issuer.toml", "eqf_level = 9", "eqf_level = 6")
    edit(data_dir / "issuer.toml", 'country = "Ireland"\n', "")

    assert refusal(data_dir) == f"{data_dir / 'issuer.toml'}, [issuer], country: missing"


def test_stacking_must_name_another_micro_credential_without_a_circle(data_dir):
    edit(
        data_dir / "issuer.toml",
        'stacks_towards = "api-testing-automation"',
        'stacks_towards = "api-testing"',
    )

    assert refusal(data_dir) == (
        f"{data_dir / 'issuer.toml'}, micro_credentials #4 ('accessible-service-testing'), "
        "stacks_towards: no micro-credential 'api-testing'"
    )
    edit(
        data_dir / "issuer.toml",
        'stacks_towards = "api-testing"',
        'stacks_towards = "api-testing-automation"',
    )
    edit(
        data_dir / "issuer.toml",
        "eqf_level = 6\n",
        'eqf_level = 6\nstacks_towards = "accessible-service-testing"\n',
    )

    assert refusal(data_dir) == (
        f"{data_dir / 'issuer.toml'}, micro_credentials #4 ('accessible-service-testing'), "
        "stacks_towards: goes round in a circle"
    )

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils.text import slugify

from portfolio.models import Event, Skill, SkillFramework
from portfolio.services.skills import import_skills_csv
from tests.factories import SkillFactory, SkillFrameworkFactory, UserFactory

HEADER = "framework,name,description,code,uri\n"
GOOD = (
    HEADER
    + "Digital and Data Skills,Data cleaning,Fixes messy data.,DDS-001,https://skills.example.org/dds/1\n"
    + 'Digital and Data Skills,SQL querying,"Joins, grouping and filters.",DDS-002,\n'
    + "Digital and Data Skills,Technical writing,,,\n"
)


def run_import(text, **kwargs):
    return import_skills_csv(by=None, source=io.StringIO(text, newline=""), **kwargs)


def skills_by_name():
    return {skill.name: skill for skill in Skill.objects.select_related("framework")}


@pytest.mark.django_db
def test_good_file_creates_the_framework_and_every_skill():
    result = run_import(GOOD)

    assert (result.created, result.updated, result.unchanged, result.errors) == (3, 0, 0, [])
    framework = SkillFramework.objects.get()
    assert (framework.name, framework.slug) == (
        "Digital and Data Skills",
        "digital-and-data-skills",
    )
    skills = skills_by_name()
    assert sorted(skills) == ["Data cleaning", "SQL querying", "Technical writing"]
    cleaning = skills["Data cleaning"]
    assert cleaning.framework == framework
    assert cleaning.slug == "data-cleaning"
    assert cleaning.description == "Fixes messy data."
    assert cleaning.code == "DDS-001"
    assert cleaning.uri == "https://skills.example.org/dds/1"
    assert skills["SQL querying"].description == "Joins, grouping and filters."
    assert (skills["Technical writing"].code, skills["Technical writing"].uri) == ("", "")


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing_and_duplicates_nothing():
    run_import(GOOD)

    result = run_import(GOOD)

    assert (result.created, result.updated, result.unchanged, result.errors) == (0, 0, 3, [])
    assert Skill.objects.count() == 3
    assert SkillFramework.objects.count() == 1


@pytest.mark.django_db
def test_reimport_updates_skills_in_place_matching_by_name_or_code():
    run_import(GOOD)
    original_pks = {name: skill.pk for name, skill in skills_by_name().items()}
    changed = (
        HEADER
        # Same name, new description and URI.
        + "Digital and Data Skills,Data cleaning,Finds and fixes messy data.,DDS-001,https://skills.example.org/dds/one\n"
        # Same code, new name: a rename, not a new skill.
        + "Digital and Data Skills,SQL queries,Joins and grouping.,DDS-002,\n"
        # Name matched regardless of case; a code is added.
        + "digital and data skills,technical writing,,DDS-003,\n"
        + "Digital and Data Skills,Data ethics,,DDS-004,\n"
    )

    result = run_import(changed)

    assert (result.created, result.updated, result.unchanged, result.errors) == (1, 3, 0, [])
    skills = skills_by_name()
    assert sorted(skills) == ["Data cleaning", "Data ethics", "SQL queries", "technical writing"]
    assert skills["Data cleaning"].pk == original_pks["Data cleaning"]
    assert skills["Data cleaning"].description == "Finds and fixes messy data."
    assert skills["Data cleaning"].uri == "https://skills.example.org/dds/one"
    assert skills["SQL queries"].pk == original_pks["SQL querying"]
    # A renamed skill keeps its slug, which may already be in links.
    assert skills["SQL queries"].slug == "sql-querying"
    assert skills["technical writing"].pk == original_pks["Technical writing"]
    assert skills["technical writing"].code == "DDS-003"
    assert SkillFramework.objects.count() == 1


@pytest.mark.django_db
def test_bad_rows_are_all_reported_by_line_and_nothing_is_imported():
    text = (
        HEADER
        + "Digital and Data Skills,Data cleaning,Fine row.,DDS-001,\n"  # line 2
        + "Digital and Data Skills,,No name here.,DDS-002,\n"  # line 3
        + "Digital and Data Skills,SQL querying,,DDS-003,ftp://example.org/sql\n"  # line 4
        + f"Digital and Data Skills,Python scripting,,{'X' * 65},\n"  # line 5
        + "Digital and Data Skills,data cleaning,Again.,DDS-006,\n"  # line 6
        + "Digital and Data Skills,Git,,DDS-001,\n"  # line 7
        + "Digital and Data Skills,Agile delivery,too,many,values,here\n"  # line 8
        + ",User research,,DDS-009,\n"  # line 9
        + "Digital and Data Skills,Spreadsheet modelling,,DDS-010,not a url\n"  # line 10
    )

    result = run_import(text)

    assert result.errors == [
        (3, "name is required"),
        (4, 'uri must be an http or https URL; "ftp://example.org/sql" is not'),
        (5, "code is longer than 64 characters (it has 65)"),
        (6, 'name "data cleaning" already appears on line 2'),
        (7, 'code "DDS-001" already appears on line 2'),
        (8, "expected 5 values, one per column, but found 6"),
        (9, "framework is required"),
        (10, 'uri must be an http or https URL; "not a url" is not'),
    ]
    assert (result.created, result.updated) == (0, 0)
    assert Skill.objects.count() == 0
    assert SkillFramework.objects.count() == 0


@pytest.mark.django_db
def test_an_existing_catalogue_is_untouched_when_a_later_row_is_bad():
    run_import(GOOD)
    text = (
        HEADER
        + "Digital and Data Skills,Data cleaning,Changed description.,DDS-001,\n"
        + "Digital and Data Skills,Data ethics,,DDS-004,\n"
        + "Digital and Data Skills,,,DDS-005,\n"
    )

    result = run_import(text)

    assert result.errors == [(4, "name is required")]
    assert Skill.objects.count() == 3
    assert Skill.objects.get(name="Data cleaning").description == "Fixes messy data."


@pytest.mark.django_db
def test_line_numbers_count_lines_in_the_file_not_records():
    text = (
        HEADER
        + 'Digital and Data Skills,Data cleaning,"A description\nover two lines.",DDS-001,\n'
        + "\n"
        + "Digital and Data Skills,,,DDS-002,\n"
    )

    result = run_import(text)

    assert result.errors == [(5, "name is required")]


@pytest.mark.django_db
def test_a_code_belonging_to_another_existing_skill_is_refused():
    run_import(GOOD)

    result = run_import(HEADER + "Digital and Data Skills,SQL querying,,DDS-001,\n")

    assert result.errors == [
        (2, 'code "DDS-001" already belongs to the skill "Data cleaning" in this framework')
    ]
    assert Skill.objects.get(name="SQL querying").code == "DDS-002"


@pytest.mark.django_db
def test_rows_after_a_code_belonging_to_another_skill_are_still_checked():
    run_import(GOOD)
    text = (
        HEADER
        + "Digital and Data Skills,SQL querying,,DDS-001,\n"
        + "Digital and Data Skills,Data cleaning,,DDS-002,\n"
    )

    result = run_import(text)

    assert result.errors == [
        (2, 'code "DDS-001" already belongs to the skill "Data cleaning" in this framework'),
        (3, 'code "DDS-002" already belongs to the skill "SQL querying" in this framework'),
    ]


@pytest.mark.django_db
def test_two_rows_may_not_rewrite_the_same_existing_skill():
    run_import(GOOD)
    text = (
        HEADER
        + "Digital and Data Skills,Data cleaning,,,\n"
        + "Digital and Data Skills,Data wrangling,,DDS-001,\n"
    )

    result = run_import(text)

    assert result.errors == [
        (3, 'this row and line 2 both match the existing skill "Data cleaning"')
    ]


@pytest.mark.django_db
def test_rows_after_a_doubly_matched_skill_are_still_checked():
    run_import(GOOD)
    text = (
        HEADER
        + "Digital and Data Skills,Data cleaning,,,\n"
        + "Digital and Data Skills,Data wrangling,,DDS-001,\n"
        + "Digital and Data Skills,SQL querying,,DDS-001,\n"
    )

    result = run_import(text)

    assert result.errors == [
        (3, 'this row and line 2 both match the existing skill "Data cleaning"'),
        (4, 'code "DDS-001" already appears on line 3'),
        (4, 'code "DDS-001" already belongs to the skill "Data cleaning" in this framework'),
    ]


@pytest.mark.django_db
def test_a_skill_name_of_exactly_the_maximum_length_is_accepted():
    name = "N" * Skill._meta.get_field("name").max_length
    result = run_import(HEADER + f"Digital and Data Skills,{name},,,\n")
    assert not result.errors
    assert Skill.objects.get().name == name


@pytest.mark.django_db
def test_a_skill_code_of_exactly_the_maximum_length_is_accepted():
    code = "C" * Skill._meta.get_field("code").max_length
    result = run_import(HEADER + f"Digital and Data Skills,Data cleaning,,{code},\n")
    assert not result.errors
    assert Skill.objects.get().code == code


@pytest.mark.django_db
def test_a_new_skill_before_a_doubly_matched_one_does_not_end_the_checks():
    run_import(GOOD)
    text = (
        HEADER
        + "Digital and Data Skills,Data visualisation,,DDS-004,\n"
        + "Digital and Data Skills,Data cleaning,,,\n"
        + "Digital and Data Skills,Data wrangling,,DDS-001,\n"
    )

    result = run_import(text)

    assert result.errors == [
        (4, 'this row and line 3 both match the existing skill "Data cleaning"'),
    ]


@pytest.mark.django_db
def test_a_skill_slug_taken_plain_and_qualified_is_numbered_from_2():
    other = SkillFrameworkFactory(name="Other", slug="other")
    SkillFactory(framework=other, name="Data cleaning", slug="data-cleaning")
    SkillFactory(framework=other, name="Cleaning", slug="digital-and-data-skills-data-cleaning")

    result = run_import(GOOD)

    assert not result.errors
    new = Skill.objects.get(framework__slug="digital-and-data-skills", name="Data cleaning")
    assert new.slug == "digital-and-data-skills-data-cleaning-2"


@pytest.mark.django_db
def test_a_framework_name_of_exactly_the_maximum_length_is_accepted():
    name = "F" * SkillFramework._meta.get_field("name").max_length
    result = run_import(HEADER + f"{name},Data cleaning,,,\n")
    assert not result.errors
    assert SkillFramework.objects.get().name == name


@pytest.mark.django_db
def test_missing_header_columns_are_named():
    result = run_import("framework,name,description\nDigital and Data Skills,Data cleaning,\n")

    assert result.errors == [
        (
            1,
            'missing column(s) "code", "uri"; the header row must name '
            "framework, name, description, code, uri",
        )
    ]
    assert Skill.objects.count() == 0


@pytest.mark.django_db
def test_the_framework_column_is_required_unless_a_framework_is_chosen():
    without_framework = "name,description,code,uri\nData cleaning,,DDS-001,\n"

    result = run_import(without_framework)

    assert result.errors == [
        (
            1,
            'missing column(s) "framework"; the header row must name '
            "framework, name, description, code, uri",
        )
    ]
    assert not Skill.objects.exists()


@pytest.mark.django_db
def test_unknown_and_repeated_header_columns_are_named():
    result = run_import("Framework,name,Level,description,code,uri,name\n")

    assert result.errors == [
        (1, "the header names these columns more than once: name"),
        (1, 'unknown column(s) "level"; the columns are framework, name, description, code, uri'),
    ]


@pytest.mark.django_db
def test_an_empty_file_is_reported():
    result = run_import("\n\n")

    assert result.errors == [
        (1, "the file is empty; the header row must name framework, name, description, code, uri")
    ]


@pytest.mark.django_db
def test_an_unclosed_quote_is_reported_where_its_row_starts():
    text = HEADER + "Digital and Data Skills,Data cleaning,ok,,\n" + 'Digital,"Never closed,,,\n\n'

    result = run_import(text)

    assert result.errors == [(3, "this is not valid CSV (unexpected end of data)")]
    assert Skill.objects.count() == 0


@pytest.mark.django_db
def test_rows_before_broken_csv_are_reported_in_line_order_with_it():
    text = (
        HEADER
        + "Digital and Data Skills,Data cleaning,ok,,not a url\n"  # line 2
        + 'Digital,"Never closed,,,\n\n'  # line 3
    )

    result = run_import(text)

    # In line order, though the later message sorts first alphabetically.
    assert result.errors == [
        (2, 'uri must be an http or https URL; "not a url" is not'),
        (3, "this is not valid CSV (unexpected end of data)"),
    ]
    assert Skill.objects.count() == 0


@pytest.mark.django_db
def test_slugs_stay_unique_across_frameworks():
    SkillFactory(framework=SkillFrameworkFactory(name="Other", slug="other"), slug="data-cleaning")

    run_import(GOOD)

    new = Skill.objects.get(framework__slug="digital-and-data-skills", name="Data cleaning")
    assert new.slug == "digital-and-data-skills-data-cleaning"


@pytest.mark.django_db
def test_a_new_framework_whose_slug_is_taken_is_numbered_from_2():
    SkillFrameworkFactory(name="Older catalogue", slug="digital-and-data-skills")
    result = run_import(GOOD)
    assert not result.errors
    framework = SkillFramework.objects.get(name="Digital and Data Skills")
    assert framework.slug == "digital-and-data-skills-2"
    assert framework.skills.count() == 3


@pytest.mark.django_db
def test_a_long_name_qualified_by_its_framework_still_fits_the_slug_column():
    name = "Analysing " + "very " * 30 + "large data sets"
    max_length = Skill._meta.get_field("slug").max_length
    # Another framework's skill already has the plain slug, cut to the column's length.
    SkillFactory(
        framework=SkillFrameworkFactory(name="Other", slug="other"),
        name=name,
        slug=slugify(name)[:max_length],
    )

    result = run_import(HEADER + f"Digital and Data Skills,{name},,,\n")

    assert not result.errors
    new = Skill.objects.get(framework__slug="digital-and-data-skills")
    assert new.slug.startswith("digital-and-data-skills-analysing-very-very")
    assert len(new.slug) <= max_length


@pytest.mark.django_db
def test_a_chosen_framework_takes_rows_without_a_framework_column():
    SkillFrameworkFactory(name="Digital and Data Skills", slug="dds")

    result = run_import(
        "name,description,code,uri\nData cleaning,,DDS-001,\n", framework_slug="dds"
    )

    assert (result.created, result.errors) == (1, [])
    assert Skill.objects.get().framework.slug == "dds"


@pytest.mark.django_db
def test_a_chosen_framework_refuses_rows_naming_another():
    SkillFrameworkFactory(name="Digital and Data Skills", slug="dds")

    result = run_import(HEADER + "Green Skills,Data cleaning,,,\n", framework_slug="dds")

    assert result.errors == [
        (
            2,
            'framework "Green Skills" is not "Digital and Data Skills", the framework of this import',
        )
    ]


@pytest.mark.django_db
def test_an_unknown_chosen_framework_is_reported():
    result = run_import(GOOD, framework_slug="nope")

    assert result.errors == [(1, 'there is no skill framework with the slug "nope"')]


# --- The management command ----------------------------------------------------------------


def call_import(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_skills", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_command_imports_a_file_and_says_how_many(tmp_path):
    path = tmp_path / "skills.csv"
    path.write_text(GOOD, encoding="utf-8")

    assert call_import(str(path)) == ("Imported 3 new and 0 updated skills.\n", "")
    assert call_import(str(path)) == (
        "Imported 0 new and 0 updated skills. 3 were already up to date.\n",
        "",
    )
    assert Skill.objects.count() == 3


@pytest.mark.django_db
def test_command_accepts_a_spreadsheet_byte_order_mark(tmp_path):
    path = tmp_path / "skills.csv"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())

    assert call_import(str(path))[0] == "Imported 3 new and 0 updated skills.\n"


@pytest.mark.django_db
def test_command_lists_bad_rows_on_stderr_and_fails(tmp_path):
    path = tmp_path / "skills.csv"
    path.write_text(
        HEADER + "Digital and Data Skills,,,,\nDigital and Data Skills,Git,,,mailto:a@b.c\n",
        encoding="utf-8",
    )
    err = io.StringIO()

    with pytest.raises(CommandError) as excinfo:
        call_command("import_skills", str(path), stdout=io.StringIO(), stderr=err)

    assert str(excinfo.value) == "Nothing was imported: fix the rows listed above and try again."
    assert err.getvalue() == (
        "line 2: name is required\n"
        'line 3: uri must be an http or https URL; "mailto:a@b.c" is not\n'
    )
    assert Skill.objects.count() == 0


@pytest.mark.django_db
def test_command_reports_a_missing_file(tmp_path):
    path = tmp_path / "missing.csv"

    with pytest.raises(CommandError) as excinfo:
        call_import(str(path))

    assert str(excinfo.value) == f'There is no file at "{path}".'


@pytest.mark.django_db
def test_command_reports_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "skills.csv"
    path.write_bytes((HEADER + "Digital and Data Skills,Café culture,,,\n").encode("latin-1"))

    with pytest.raises(CommandError) as excinfo:
        call_import(str(path))

    assert str(excinfo.value) == (
        f'"{path}" is not UTF-8 text: line 2 has a character in another encoding. '
        'Save it as "CSV UTF-8" and try again.'
    )
    assert Skill.objects.count() == 0


@pytest.mark.django_db
def test_command_imports_into_a_chosen_framework(tmp_path):
    SkillFrameworkFactory(name="Digital and Data Skills", slug="dds")
    path = tmp_path / "skills.csv"
    path.write_text("name,description,code,uri\nData cleaning,,,\n", encoding="utf-8")

    assert call_import(str(path), "--framework", "dds")[0] == (
        "Imported 1 new and 0 updated skills.\n"
    )
    assert Skill.objects.get().framework.slug == "dds"


# --- Who imports -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_import_names_the_administrator_who_made_it(tmp_path):
    admin = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    path = tmp_path / "skills.csv"
    path.write_text(GOOD, encoding="utf-8")

    assert call_import(str(path), "--by", "Root@Example.com")[0].startswith("Imported 3 new")

    [event] = Event.objects.all()
    assert (event.verb, event.actor) == ("skills.imported", admin)


@pytest.mark.django_db
def test_an_import_without_by_names_nobody(tmp_path):
    path = tmp_path / "skills.csv"
    path.write_text(GOOD, encoding="utf-8")

    call_import(str(path))

    [event] = Event.objects.all()
    assert (event.verb, event.actor, event.actor_label) == ("skills.imported", None, "")


@pytest.mark.django_db
def test_an_import_by_an_unknown_address_is_refused(tmp_path):
    path = tmp_path / "skills.csv"
    path.write_text(GOOD, encoding="utf-8")

    with pytest.raises(CommandError, match='There is no user with the address "nobody@'):
        call_import(str(path), "--by", "nobody@example.com")

    assert not Skill.objects.exists()


@pytest.mark.django_db
def test_only_site_administrators_import_skills(tmp_path):
    UserFactory(email="issuer@example.com", issuer_staff=True)
    path = tmp_path / "skills.csv"
    path.write_text(GOOD, encoding="utf-8")

    with pytest.raises(CommandError, match="Only site administrators can import skills"):
        call_import(str(path), "--by", "issuer@example.com")

    assert not Skill.objects.exists()
    assert not Event.objects.exists()

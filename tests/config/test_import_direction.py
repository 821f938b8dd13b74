"""Data flows one way: portfolio is the ground floor, credentials reads it, assessments reads both.

The apps' modules are parsed, not imported, so an import inside a function counts as much as
one at the top of a file.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("portfolio", "credentials", "assessments")
MAY_IMPORT = {
    "portfolio": {"portfolio"},
    "credentials": {"portfolio", "credentials"},
    "assessments": {"portfolio", "credentials", "assessments"},
}
# The project-level packages sit above the apps: an app importing them would be a cycle.
PROJECT_PACKAGES = ("config", "demo")


def imported_packages(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def modules_of(app: str) -> list[Path]:
    return sorted((ROOT / app).rglob("*.py"))


@pytest.mark.parametrize("app", APPS)
def test_an_app_imports_only_the_apps_below_it(app: str) -> None:
    first_party = {*APPS, *PROJECT_PACKAGES}
    wrong = {
        f"{path.relative_to(ROOT)} imports {package}"
        for path in modules_of(app)
        for package in imported_packages(path) & first_party
        if package not in MAY_IMPORT[app]
    }

    assert len(modules_of(app)) > 10
    assert wrong == set()


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "example.py"
    module.write_text("def f():\n    from assessments.models import Application\n")

    assert imported_packages(module) == {"assessments"}


def test_credentials_does_read_portfolio() -> None:
    """The allowed direction is used, so the rule above is about something real."""
    assert any("portfolio" in imported_packages(path) for path in modules_of("credentials"))
    assert any("credentials" in imported_packages(path) for path in modules_of("assessments"))

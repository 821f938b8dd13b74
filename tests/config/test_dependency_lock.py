"""requirements.lock pins everything pyproject.toml asks for, with hashes, on 3.12 and 3.13.

bin/run, bin/test and CI install only from the lock (pip --require-hashes --no-deps), so a
requirement missing from it, or a pin that no longer satisfies pyproject.toml, would give an
environment different from the one the project declares.
"""

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.config.test_settings import BASE_DIR

PYPROJECT = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())
LOCK_TEXT = (BASE_DIR / "requirements.lock").read_text()


def locked_requirements():
    """Each entry of the lock as (Requirement, its hashes)."""
    entries = []
    for block in re.split(r"\n(?=[A-Za-z0-9])", LOCK_TEXT):
        lines = [line.strip() for line in block.splitlines() if not line.lstrip().startswith("#")]
        if not lines or not lines[0]:
            continue
        requirement = Requirement(lines[0].rstrip("\\ "))
        hashes = [line.removeprefix("--hash=").rstrip("\\ ") for line in lines[1:]]
        entries.append((requirement, hashes))
    return entries


LOCKED = locked_requirements()


def environment(python):
    return {"python_version": python, "python_full_version": f"{python}.0", "extra": "dev"}


def locked_version(name, python):
    """The version the lock installs on Linux CPython `python`, or None."""
    for requirement, _hashes in LOCKED:
        if canonicalize_name(requirement.name) != canonicalize_name(name):
            continue
        if requirement.marker is None or requirement.marker.evaluate(environment(python)):
            return next(iter(requirement.specifier)).version
    return None


def declared_requirements():
    optional = PYPROJECT["project"]["optional-dependencies"]
    return [
        *PYPROJECT["project"]["dependencies"],
        *optional["dev"],
        *PYPROJECT["build-system"]["requires"],
    ]


def test_the_lock_is_not_empty_and_names_its_command():
    assert len(LOCKED) > 50
    assert "bin/lock" in LOCK_TEXT.splitlines()[1]


def test_every_entry_is_pinned_to_one_version_with_sha256_hashes():
    for requirement, hashes in LOCKED:
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", requirement
        assert hashes, requirement
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", value) for value in hashes), requirement


@pytest.mark.parametrize("python", ["3.12", "3.13"])
def test_every_declared_requirement_is_locked_at_a_version_it_allows(python):
    for line in declared_requirements():
        requirement = Requirement(line)
        if requirement.marker and not requirement.marker.evaluate(environment(python)):
            continue
        version = locked_version(requirement.name, python)
        assert version is not None, f"{requirement.name} is not in requirements.lock: run bin/lock"
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements.lock has {requirement.name} {version}, pyproject.toml asks for "
            f"{requirement.specifier}: run bin/lock"
        )


@pytest.mark.parametrize("name", ["redis", "kombu"])
def test_what_the_code_uses_directly_is_declared_not_only_inherited(name):
    declared = {canonicalize_name(Requirement(line).name) for line in declared_requirements()}

    assert name in declared

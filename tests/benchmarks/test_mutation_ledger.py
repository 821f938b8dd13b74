"""The mutation ledger carries outcomes between runs only while a module's source is unchanged."""

from pathlib import Path

import pytest

from benchmarks.mutation.mutate import TARGETS, Ledger, mutant_key

MODULE = TARGETS[0]
KEY = mutant_key("core/ReplaceComparisonOperator_Lt_Gt", None, 3)


@pytest.fixture
def module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    source = tmp_path / MODULE
    source.parent.mkdir(parents=True)
    source.write_text("def f(a, b):\n    return a < b\n")
    return source


def test_a_kill_on_unchanged_source_is_taken_from_the_saved_ledger(module: Path) -> None:
    ledger = Ledger(module.parent / "ledger.json")
    ledger.note(MODULE, KEY, "killed")
    ledger.save()

    reopened = Ledger(ledger.path)

    assert reopened.settled(MODULE, KEY) == "killed"
    assert (
        reopened.settled(MODULE, mutant_key("core/ReplaceComparisonOperator_Lt_Gt", None, 4))
        is None
    )


def test_a_survivor_is_never_settled(module: Path) -> None:
    ledger = Ledger(module.parent / "ledger.json")
    ledger.note(MODULE, KEY, "survived")
    ledger.note(MODULE, "core/AddNot#0", "incompetent")

    assert ledger.settled(MODULE, KEY) is None
    assert ledger.settled(MODULE, "core/AddNot#0") == "incompetent"


def test_changing_the_source_voids_its_outcomes(module: Path) -> None:
    ledger = Ledger(module.parent / "ledger.json")
    ledger.note(MODULE, KEY, "killed")
    ledger.save()
    module.write_text("def f(a, b):\n    return a <= b\n")

    reopened = Ledger(ledger.path)
    assert reopened.settled(MODULE, KEY) is None

    reopened.note(MODULE, "core/AddNot#0", "killed")
    reopened.save()
    assert Ledger(ledger.path).modules[MODULE]["outcomes"] == {"core/AddNot#0": "killed"}


def test_modules_no_longer_mutated_are_dropped_on_save(module: Path, tmp_path: Path) -> None:
    # Paths are relative to the working directory (tmp_path), however deep MODULE lies.
    gone = "portfolio/removed_module.py"
    (tmp_path / gone).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / gone).write_text("X = 1\n")
    ledger = Ledger(module.parent / "ledger.json")
    ledger.note(gone, KEY, "killed")
    ledger.note(MODULE, KEY, "killed")
    ledger.save()

    assert set(Ledger(ledger.path).modules) == {MODULE}


def test_operator_arguments_are_part_of_the_key() -> None:
    assert mutant_key("core/NumberReplacer", {"offset": 1}, 0) != mutant_key(
        "core/NumberReplacer", {"offset": -1}, 0
    )


def test_saving_drops_outcomes_of_an_older_source(module: Path) -> None:
    ledger = Ledger(module.parent / "ledger.json")
    ledger.note(MODULE, KEY, "killed")
    ledger.save()
    module.write_text("def f(a, b):\n    return b > a\n")

    Ledger(ledger.path).save()

    assert Ledger(ledger.path).modules == {}

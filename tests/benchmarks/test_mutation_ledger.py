"""The mutation ledger carries outcomes between runs only while a function's source is unchanged."""

from pathlib import Path

import pytest

from benchmarks.mutation.ledger import MODULE_SCOPE, Ledger, ModuleScopes, mutant_key

MODULE = "portfolio/mutated.py"
TARGETS = [MODULE]
LT_GT = "core/ReplaceComparisonOperator_Lt_Gt"
SOURCE = """\
LIMIT = 3


def first(a, b):
    return a < b


class Box:
    size = 1 < 2

    @staticmethod
    def second(a, b):
        return a < b or b < a
"""


@pytest.fixture
def module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    source = tmp_path / MODULE
    source.parent.mkdir(parents=True)
    source.write_text(SOURCE)
    return source


def reopen(ledger: Ledger) -> Ledger:
    ledger.save()
    return Ledger(ledger.path, TARGETS)


def test_occurrences_are_named_within_their_function(module: Path) -> None:
    scopes = ModuleScopes(SOURCE)

    # Cosmic Ray numbers the four `<` of the module 0 to 3, in source order.
    assert [scopes.locate(LT_GT, None, occurrence) for occurrence in range(4)] == [
        ("first", f"{LT_GT}#0"),
        (MODULE_SCOPE, f"{LT_GT}#0"),
        ("Box.second", f"{LT_GT}#0"),
        ("Box.second", f"{LT_GT}#1"),
    ]


def test_a_kill_in_an_unchanged_function_is_taken_from_the_saved_ledger(module: Path) -> None:
    ledger = Ledger(module.parent / "ledger.json", TARGETS)
    ledger.note(MODULE, LT_GT, None, 2, "killed")

    reopened = reopen(ledger)

    assert reopened.settled(MODULE, LT_GT, None, 2) == "killed"
    assert reopened.settled(MODULE, LT_GT, None, 3) is None


def test_a_survivor_is_never_settled(module: Path) -> None:
    ledger = Ledger(module.parent / "ledger.json", TARGETS)
    ledger.note(MODULE, LT_GT, None, 0, "survived")
    ledger.note(MODULE, LT_GT, None, 1, "incompetent")

    assert ledger.settled(MODULE, LT_GT, None, 0) is None
    assert ledger.settled(MODULE, LT_GT, None, 1) == "incompetent"


def test_editing_one_function_voids_only_its_outcomes(module: Path) -> None:
    ledger = Ledger(module.parent / "ledger.json", TARGETS)
    ledger.note(MODULE, LT_GT, None, 0, "killed")
    ledger.note(MODULE, LT_GT, None, 2, "killed")
    ledger.save()
    module.write_text(SOURCE.replace("return a < b\n", "return a <= b\n", 1))

    reopened = Ledger(ledger.path, TARGETS)

    # `first` lost its only `<`; `Box.second`'s first `<` is now the module's occurrence 1.
    assert reopened.settled(MODULE, LT_GT, None, 1) == "killed"
    assert reopened.modules[MODULE]["first"]["outcomes"] == {f"{LT_GT}#0": "killed"}
    assert set(Ledger(reopen(reopened).path, TARGETS).modules[MODULE]) == {"Box.second"}


def test_moving_a_function_keeps_its_outcomes(module: Path) -> None:
    ledger = Ledger(module.parent / "ledger.json", TARGETS)
    ledger.note(MODULE, LT_GT, None, 0, "killed")
    ledger.save()
    added = "def zeroth(a, b):\n    return a < b\n\n\n"
    module.write_text(added + SOURCE)

    reopened = Ledger(ledger.path, TARGETS)

    # `first`'s `<` is now the module's occurrence 1, and the new function's is unknown.
    assert reopened.settled(MODULE, LT_GT, None, 1) == "killed"
    assert reopened.settled(MODULE, LT_GT, None, 0) is None


def test_module_level_code_is_a_scope_of_its_own(module: Path) -> None:
    ledger = Ledger(module.parent / "ledger.json", TARGETS)
    ledger.note(MODULE, LT_GT, None, 1, "killed")
    ledger.note(MODULE, LT_GT, None, 0, "killed")
    ledger.save()
    module.write_text(SOURCE.replace("LIMIT = 3", "LIMIT = 4"))

    reopened = Ledger(ledger.path, TARGETS)

    assert reopened.settled(MODULE, LT_GT, None, 1) is None
    assert reopened.settled(MODULE, LT_GT, None, 0) == "killed"


def test_modules_no_longer_mutated_are_dropped_on_save(module: Path, tmp_path: Path) -> None:
    gone = "portfolio/removed_module.py"
    (tmp_path / gone).write_text("def f(a, b):\n    return a < b\n")
    ledger = Ledger(module.parent / "ledger.json", TARGETS)
    ledger.note(gone, LT_GT, None, 0, "killed")
    ledger.note(MODULE, LT_GT, None, 0, "killed")

    assert set(reopen(ledger).modules) == {MODULE}


def test_operator_arguments_are_part_of_the_key() -> None:
    replacer = "core/VariableReplacer"

    assert mutant_key(replacer, {"cause_variable": "a"}, 0) != mutant_key(
        replacer, {"cause_variable": "b"}, 0
    )

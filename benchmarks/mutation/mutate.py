"""Mutation testing of the decision logic with Cosmic Ray, running only the covering tests.

Cosmic Ray makes the mutants (`cosmic-ray init` writes one work item per mutation into a
session database) and reports on them (`cr-report`). This driver replaces its executor,
because starting Django and pytest afresh for each of about a thousand mutants would take
hours on a shared machine:

* `map` runs the suite once under coverage with per-test contexts and records, for every
  line of the mutated modules, which tests (their setup included) execute it.
* `init` creates the session and marks the operators we do not run as skipped (see
  OPERATORS_RUN and docs/mutation.md).
* `exec` takes each pending mutant, forks the driver (Django already set up), swaps the
  mutated function's code object in place (so every module that imported the function sees
  the mutant) and runs only the tests that cover the mutated lines, stopping at the first
  failure. Mutations outside a function body (a removed decorator, a module constant) are
  written to disk and tested in a fresh interpreter instead, as Cosmic Ray itself does.
  A mutant no test covers is recorded as surviving without running anything.
* `report` prints the kill rate per module and every survivor with its diff.
* The ledger (ledger.json, committed; see ledger.py) carries outcomes from one run to the
  next: a whole run takes longer than one working session on a shared two-core machine.
  Outcomes are kept per function, each valid only for the source it was measured on;
  `exec` takes a killed or incompetent mutant of an unchanged function from the ledger
  instead of running it again, and always runs survivors again, since tests added since may
  kill them. Tests are only ever added, so a kill stays a kill; `exec --fresh` ignores the
  ledger if that is in doubt. `save-ledger` writes a session's outcomes into it (exec also
  does, as it goes).

Run it through benchmarks/mutation/run, which sets the environment up.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import importlib
import inspect
import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FunctionType, ModuleType
from typing import TYPE_CHECKING

from benchmarks.mutation.ledger import Ledger

if TYPE_CHECKING:
    from cosmic_ray.work_item import WorkItem

STATE_DIR = Path(os.environ.get("MUTATION_STATE_DIR", "var/mutation"))
CONFIG = Path(__file__).with_name("cosmic-ray.toml")
SESSION = STATE_DIR / "session.sqlite"
COVERAGE_MAP = STATE_DIR / "coverage-map.json"
LOG_DIR = STATE_DIR / "logs"
SETTINGS = "benchmarks.mutation.settings"
LEDGER = Path(__file__).with_name("ledger.json")

# The modules mutated: cosmic-ray.toml's module-path, the one list both tools read.
TARGETS: list[str] = tomllib.loads(CONFIG.read_text(encoding="utf-8"))["cosmic-ray"]["module-path"]
# The browser journeys, the real-worker tests and the JavaScript interoperability tests are
# left out of the map: they need Chromium, a Celery worker or Node.js packages per run, and
# everything they reach is also reached by the service, permission and view tests.
MAP_TESTS = [
    "tests",
    "--ignore=tests/browser",
    "--ignore=tests/integration",
    "--ignore=tests/interop",
]
# Tests of what decorators set up (a service's own transaction): coverage cannot tie them to a
# decorator line, which runs at import, so they run for every import-time mutant.
IMPORT_TIME_TESTS = ["tests/test_service_transactions.py"]

# For binary and comparison operators Cosmic Ray offers every replacement (`<` becomes `>`,
# `is`, `in`, ...). Most of them crash at once and say little about the tests; we run the one
# per operator that a plausible slip produces (an off-by-one boundary, a negation, a swapped
# `|`/`&` between Q objects) and all of the other operators.
COMPARISONS_RUN = {
    ("Eq", "NotEq"),
    ("NotEq", "Eq"),
    ("Lt", "LtE"),
    ("LtE", "Lt"),
    ("Gt", "GtE"),
    ("GtE", "Gt"),
    ("Is", "IsNot"),
    ("IsNot", "Is"),
    ("In", "NotIn"),
    ("NotIn", "In"),
}
BINARY_RUN = {
    ("Add", "Sub"),
    ("Sub", "Add"),
    ("Mul", "Div"),
    ("Div", "Mul"),
    ("FloorDiv", "Mul"),
    ("Mod", "FloorDiv"),
    ("Pow", "Mul"),
    ("BitOr", "BitAnd"),
    ("BitAnd", "BitOr"),
    ("BitXor", "BitOr"),
    ("LShift", "RShift"),
    ("RShift", "LShift"),
}


def operator_is_run(operator_name: str) -> bool:
    name = operator_name.split("/", 1)[1]
    parts = name.split("_")
    if parts[0] == "ReplaceComparisonOperator":
        return (parts[1], parts[2]) in COMPARISONS_RUN
    if parts[0] == "ReplaceBinaryOperator":
        return (parts[1], parts[2]) in BINARY_RUN
    if parts[0] == "ReplaceUnaryOperator":
        return parts[1] == "Delete" or (parts[1], parts[2]) == ("USub", "UAdd")
    return True


# --- map ---------------------------------------------------------------------------------


def build_coverage_map(workers: str, added: list[str]) -> None:
    """Write the map; with `added` test paths, run only those and merge them into it."""
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    data_file = STATE_DIR / (".coverage-added" if added else ".coverage")
    data_file.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "pytest",
        *(added or MAP_TESTS),
        "-q",
        "-n",
        workers if not added else "0",
        "--cov-context=test",
        "--cov-report=",
        *(
            f"--cov={Path(target).with_suffix('').as_posix().replace('/', '.')}"
            for target in TARGETS
        ),
    ]
    env = {**os.environ, "COVERAGE_FILE": str(data_file)}
    completed = subprocess.run(command, env=env, check=False)  # noqa: S603 - our own pytest
    if completed.returncode != 0:
        sys.exit(
            f"The suite must pass before mutation testing (pytest exit {completed.returncode})."
        )

    from coverage import CoverageData

    data = CoverageData(basename=str(data_file))
    data.read()
    root = Path.cwd().resolve()
    by_file: dict[str, dict[str, list[str]]] = json.loads(COVERAGE_MAP.read_text()) if added else {}
    for measured in data.measured_files():
        relative = Path(measured).resolve().relative_to(root).as_posix()
        if relative not in TARGETS:
            continue
        lines = by_file.setdefault(relative, {})
        for line, contexts in data.contexts_by_lineno(measured).items():
            # pytest-cov names a context "<node id>|setup", "|run" or "|teardown"; a test whose
            # fixture calls the mutated code (e.g. `submitted`) covers it through its setup.
            tests = {context.rsplit("|", 1)[0] for context in contexts if context}
            if tests:
                lines[str(line)] = sorted(tests.union(lines.get(str(line), [])))
    COVERAGE_MAP.write_text(json.dumps(by_file, sort_keys=True))
    print(f"Coverage map of {len(by_file)} modules written to {COVERAGE_MAP}")


# --- init --------------------------------------------------------------------------------


def init_session() -> None:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    STATE_DIR.mkdir(parents=True, exist_ok=True)
    SESSION.unlink(missing_ok=True)
    subprocess.run(  # noqa: S603 - Cosmic Ray's own CLI
        [sys.executable, "-m", "cosmic_ray.cli", "init", str(CONFIG), str(SESSION)], check=True
    )
    skipped = annotations = 0
    spans: dict[str, list[tuple[tuple[int, int], tuple[int, int]]]] = {}
    with use_db(str(SESSION), WorkDB.Mode.open) as work_db:
        for item in list(work_db.pending_work_items):
            spec = item.mutations[0]
            path = Path(spec.module_path).as_posix()
            if path not in spans:
                spans[path] = annotation_spans(Path(path).read_text(encoding="utf-8"))
            if not operator_is_run(spec.operator_name):
                skipped += 1
            elif any(
                start <= tuple(spec.start_pos) and tuple(spec.end_pos) <= end
                for start, end in spans[path]
            ):
                annotations += 1
            else:
                continue
            work_db.set_result(item.job_id, WorkResult(worker_outcome=WorkerOutcome.SKIPPED))
        total = work_db.num_work_items
    print(
        f"{total} mutants: {skipped} skipped by operator, {annotations} inside annotations "
        f"(never evaluated: the modules use `from __future__ import annotations`), "
        f"{total - skipped - annotations} to run"
    )


def annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(line, column) spans of every annotation; a mutant inside one is equivalent."""
    if "from __future__ import annotations" not in source:
        return []
    spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for node in ast.walk(ast.parse(source)):
        found: list[ast.expr | None] = []
        if isinstance(node, ast.arg):
            found.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            found.append(node.annotation)
        spans.extend(
            (
                (annotation.lineno, annotation.col_offset),
                (annotation.end_lineno or annotation.lineno, annotation.end_col_offset or 0),
            )
            for annotation in found
            if annotation is not None
        )
    return spans


# --- exec --------------------------------------------------------------------------------


@dataclass
class Mutant:
    job_id: str
    module_path: str
    operator_name: str
    operator_args: dict[str, object] | None
    occurrence: int
    start_line: int
    end_line: int
    original: str
    mutated: str

    @property
    def module_name(self) -> str:
        return Path(self.module_path).with_suffix("").as_posix().replace("/", ".")

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.original.splitlines(keepends=True),
                self.mutated.splitlines(keepends=True),
                fromfile=self.module_path,
                tofile=self.module_path,
                n=1,
            )
        )

    def changed_lines(self) -> range:
        """The original lines the mutation touched (from the diff, so it is exact)."""
        matcher = difflib.SequenceMatcher(
            a=self.original.splitlines(), b=self.mutated.splitlines(), autojunk=False
        )
        changed = [(i1, i2) for tag, i1, i2, _j1, _j2 in matcher.get_opcodes() if tag != "equal"]
        if not changed:
            return range(self.start_line, self.end_line + 1)
        first = min(i1 for i1, _ in changed) + 1
        last = max(max(i2, i1 + 1) for i1, i2 in changed)
        return range(first, last + 1)


def function_path(source: str, lines: range) -> list[str] | None:
    """Qualified name of the top-level function or method whose body holds `lines`.

    None when the lines are outside any function, or in a decorator: those mutations change
    what runs at import time, so they are tested in a fresh interpreter.
    """
    tree = ast.parse(source)

    def holds(node: ast.stmt) -> bool:
        end = node.end_lineno or node.lineno
        return node.lineno <= lines.start and lines.stop - 1 <= end

    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and holds(node):
            return [node.name]
        if isinstance(node, ast.ClassDef) and holds(node):
            for member in node.body:
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef) and holds(member):
                    return [node.name, member.name]
            return None
    return None


def plain_function(obj: object) -> FunctionType:
    if isinstance(obj, property):
        obj = obj.fget
    if isinstance(obj, staticmethod | classmethod):
        obj = obj.__func__
    obj = inspect.unwrap(obj)  # type: ignore[arg-type]  # e.g. transaction.atomic's wrapper
    if not isinstance(obj, FunctionType):
        raise TypeError(f"not a plain function: {obj!r}")
    return obj


def lookup(container: ModuleType | dict[str, object], path: list[str]) -> object:
    obj: object = container[path[0]] if isinstance(container, dict) else getattr(container, path[0])
    for name in path[1:]:
        obj = inspect.getattr_static(obj, name)
    return obj


def swap_in(mutant: Mutant, path: list[str]) -> None:
    """Make the live function run the mutated code, wherever it was imported."""
    module = importlib.import_module(mutant.module_name)
    namespace: dict[str, object] = {
        "__name__": mutant.module_name,
        "__file__": module.__file__,
        "__package__": module.__package__,
    }
    exec(compile(mutant.mutated, mutant.module_path, "exec"), namespace)  # noqa: S102
    live = plain_function(lookup(module, path))
    mutated = plain_function(lookup(namespace, path))
    live.__code__ = mutated.__code__
    live.__defaults__ = mutated.__defaults__
    live.__kwdefaults__ = mutated.__kwdefaults__


def pytest_args(tests: list[str]) -> list[str]:
    return [
        *tests,
        "-x",
        "-q",
        "--no-header",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:xdist",
        "--reuse-db",
        f"--ds={SETTINGS}",
        "-W",
        "ignore::pytest.PytestUnraisableExceptionWarning",
    ]


def slot_database(slot: int) -> str:
    return str((STATE_DIR / f"test-db-{slot}.sqlite3").resolve())


def run_forked(mutant: Mutant, path: list[str], tests: list[str], slot: int, log: Path) -> int:
    """Fork; in the child swap the mutant in and run the tests. Returns the child's pid."""
    pid = os.fork()
    if pid:
        return pid
    code = 3
    try:
        out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(out, 1)
        os.dup2(out, 2)
        from django.conf import settings

        settings.DATABASES["default"]["TEST"]["NAME"] = slot_database(slot)
        swap_in(mutant, path)
        import pytest

        code = int(pytest.main(pytest_args(tests)))
    except BaseException:  # whatever happens, the child must not return into the driver
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        # _exit: the parent's atexit handlers (e.g. tests.settings' temp-dir cleanup) are not ours.
        os._exit(code)


def run_on_disk(mutant: Mutant, tests: list[str], slot: int, log: Path, timeout: float) -> int:
    """Write the mutant to its file and run the tests in a fresh interpreter (import-time mutations)."""
    target = Path(mutant.module_path)
    target.write_text(mutant.mutated, encoding="utf-8")
    try:
        env = {
            **os.environ,
            "PYTHONDONTWRITEBYTECODE": "1",
            "DJANGO_SETTINGS_MODULE": SETTINGS,
        }
        with log.open("w") as out:
            try:
                completed = subprocess.run(  # noqa: S603 - our own pytest
                    [sys.executable, "-m", "pytest", *pytest_args(tests)],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env=env,
                    timeout=timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                return -1
        return completed.returncode
    finally:
        target.write_text(mutant.original, encoding="utf-8")


def import_time_lines(source: str, lines: range) -> range:
    """The lines whose tests matter for a mutation that runs at import time.

    A decorator's effect shows when the decorated function runs, so its tests are those of
    the function's body; a module or class statement's effect can show anywhere in the
    module, so its tests are all of the module's.
    """
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            decorators_start = min((d.lineno for d in node.decorator_list), default=node.lineno)
            if decorators_start <= lines.start and lines.stop - 1 < node.lineno:
                return range(node.lineno, (node.end_lineno or node.lineno) + 1)
    return range(1, len(source.splitlines()) + 1)


def selection_lines(source: str, lines: range) -> range:
    """The lines whose covering tests run for a mutation inside a function.

    A mutation in a signature (a default value) shows in the body's tests. Otherwise the
    whole statement around the mutated lines counts: coverage may report a statement that
    spans lines (`if (` ... `):`) on another of its lines than the one mutated.
    """
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.lineno <= lines.start
            and lines.stop - 1 < node.body[0].lineno
        ):
            return range(node.lineno, (node.end_lineno or node.lineno) + 1)
    start, stop = lines.start, lines.stop
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt) or isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
        ):
            continue
        body = getattr(node, "body", None)
        # A compound statement's own lines end where its body starts.
        end = body[0].lineno - 1 if body else (node.end_lineno or node.lineno)
        end = max(end, node.lineno)
        if node.lineno <= lines.start <= end:
            start, stop = min(start, node.lineno), max(stop, end + 1)
    return range(start, stop)


def covering_tests(
    coverage_map: dict[str, dict[str, list[str]]],
    mutant: Mutant,
    lines: range,
    killers: Counter[tuple[str, str]] | None = None,
) -> list[str]:
    """The tests that execute the lines, those that killed other mutants of the module first.

    With -x a killed mutant costs only the tests run before the first failure. A module's
    mutants tend to be killed by the same few direct tests, while alphabetical order often
    starts with hundreds of tests that reach the code only in passing (a notification sent
    by an assessment service), so putting earlier killers first keeps kills cheap. The order
    changes how long a mutant takes, never its outcome: every covering test runs until one fails.
    """
    by_line = coverage_map.get(mutant.module_path, {})
    tests: set[str] = set()
    for line in lines:
        tests.update(by_line.get(str(line), []))
    kills = killers or Counter()
    return sorted(tests, key=lambda test: (-kills[mutant.module_path, test], test))


def failed_test(output: str) -> str | None:
    """The node id of the test that failed (pytest's short summary, -x stops after one)."""
    for line in output.splitlines():
        if line.startswith(("FAILED ", "ERROR ")):
            return line.split(" ", 2)[1]
    return None


def known_killers() -> Counter[tuple[str, str]]:
    """(module, test) pairs counted over the mutants already killed in this session."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome

    killers: Counter[tuple[str, str]] = Counter()
    with use_db(str(SESSION), WorkDB.Mode.open) as work_db:
        for item, result in work_db.completed_work_items:
            if result.test_outcome == TestOutcome.KILLED and result.output:
                test = failed_test(result.output)
                if test is not None:
                    killers[Path(item.mutations[0].module_path).as_posix(), test] += 1
    return killers


def session_items(*, survivors: bool) -> list[WorkItem]:
    """The pending work items (in random order), or those whose mutant survived."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    with use_db(str(SESSION), WorkDB.Mode.open) as work_db:
        if not survivors:
            return list(work_db.pending_work_items)
        return [
            item
            for item, result in work_db.completed_work_items
            if result.worker_outcome == WorkerOutcome.NORMAL
            and result.test_outcome == TestOutcome.SURVIVED
        ]


def mutants_of(items: list[WorkItem]) -> Iterator[Mutant]:
    from cosmic_ray.mutating import mutate_code
    from cosmic_ray.plugins import get_operator

    sources: dict[str, str] = {}
    for item in items:
        spec = item.mutations[0]
        path = Path(spec.module_path).as_posix()
        source = sources.setdefault(path, Path(path).read_text(encoding="utf-8"))
        operator = get_operator(spec.operator_name)(**(spec.operator_args or {}))
        mutated = mutate_code(source, operator, spec.occurrence)
        yield Mutant(
            job_id=item.job_id,
            module_path=path,
            operator_name=spec.operator_name,
            operator_args=spec.operator_args,
            occurrence=spec.occurrence,
            start_line=spec.start_pos[0],
            end_line=spec.end_pos[0],
            original=source,
            mutated=mutated if mutated is not None else source,
        )


def record(job_id: str, mutant: Mutant, outcome: str, output: str) -> None:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome, WorkResult

    result = WorkResult(
        output=output[-4000:],
        diff=mutant.diff(),
        test_outcome=TestOutcome(outcome),
        worker_outcome=WorkerOutcome.NORMAL,
    )
    with use_db(str(SESSION), WorkDB.Mode.open) as work_db:
        work_db.set_result(job_id, result)


def outcome_of(exit_code: int) -> str:
    # pytest: 0 all passed (the mutant survived), 1 a test failed, 2 interrupted (-x stops
    # with 1, so 2 means a collection error: the mutant broke an import), -1 our timeout.
    if exit_code == 0:
        return "survived"
    if exit_code in (1, 2, -1):
        return "killed"
    return "incompetent"


def execute(slots: int, timeout: float, limit: int | None, survivors: bool, fresh: bool) -> None:
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    django.setup()
    for target in TARGETS:
        importlib.import_module(Path(target).with_suffix("").as_posix().replace("/", "."))
    # Imported once here rather than in every forked child.
    importlib.import_module("pytest")
    importlib.import_module("pytest_django.plugin")
    importlib.import_module("tests.factories")
    coverage_map = json.loads(COVERAGE_MAP.read_text())
    killers = known_killers()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    ledger = open_ledger()

    def settle(mutant: Mutant, outcome: str, output: str) -> None:
        record(mutant.job_id, mutant, outcome, output)
        ledger.note(
            mutant.module_path,
            mutant.operator_name,
            mutant.operator_args,
            mutant.occurrence,
            outcome,
        )
        ledger.save()

    on_disk: list[tuple[Mutant, list[str]]] = []
    running: dict[int, tuple[Mutant, int, Path, float]] = {}
    free_slots = list(range(slots))
    done = 0
    started = time.monotonic()

    def reap(block: bool) -> None:
        nonlocal done
        while running:
            for pid, (mutant, slot, log, deadline) in list(running.items()):
                finished, status = os.waitpid(pid, os.WNOHANG)
                if finished == 0 and time.monotonic() > deadline:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    code = -1
                elif finished == 0:
                    continue
                else:
                    code = os.waitstatus_to_exitcode(status)
                del running[pid]
                free_slots.append(slot)
                output = log.read_text(errors="replace")
                outcome = outcome_of(code)
                settle(mutant, outcome, output)
                if outcome == "killed" and (killer := failed_test(output)) is not None:
                    killers[mutant.module_path, killer] += 1
                done += 1
                if done % 25 == 0:
                    print(f"{done} mutants done in {time.monotonic() - started:.0f}s", flush=True)
                return
            if not block:
                return
            time.sleep(0.05)

    for index, mutant in enumerate(mutants_of(session_items(survivors=survivors))):
        if limit is not None and index >= limit:
            break
        if not fresh and (
            known := ledger.settled(
                mutant.module_path, mutant.operator_name, mutant.operator_args, mutant.occurrence
            )
        ):
            record(mutant.job_id, mutant, known, "From the ledger: this function is unchanged.")
            continue
        if mutant.mutated == mutant.original:
            settle(mutant, "incompetent", "Cosmic Ray made no change here.")
            continue
        try:
            compile(mutant.mutated, mutant.module_path, "exec")
        except SyntaxError as error:
            # E.g. the `*` of keyword-only parameters "replaced" by `/`: not a program at all.
            settle(mutant, "incompetent", f"Not valid Python: {error}")
            continue
        lines = mutant.changed_lines()
        path = function_path(mutant.original, lines)
        if path is None or mutant.operator_name.endswith("RemoveDecorator"):
            lines = import_time_lines(mutant.original, lines)
        else:
            lines = selection_lines(mutant.original, lines)
        tests = covering_tests(coverage_map, mutant, lines, killers)
        if not tests:
            settle(mutant, "survived", "No test executes the mutated lines.")
            continue
        if path is None or mutant.operator_name.endswith("RemoveDecorator"):
            on_disk.append((mutant, [*IMPORT_TIME_TESTS, *tests]))
            continue
        while not free_slots:
            reap(block=True)
        slot = free_slots.pop()
        log = LOG_DIR / f"{mutant.job_id}.log"
        pid = run_forked(mutant, path, tests, slot, log)
        running[pid] = (mutant, slot, log, time.monotonic() + timeout)
    while running:
        reap(block=True)

    for mutant, tests in on_disk:
        log = LOG_DIR / f"{mutant.job_id}.log"
        code = run_on_disk(mutant, tests, 0, log, timeout)
        settle(mutant, outcome_of(code), log.read_text(errors="replace"))
        done += 1
    print(f"{done} mutants done in {time.monotonic() - started:.0f}s")


# --- ledger ------------------------------------------------------------------------------


def open_ledger() -> Ledger:
    return Ledger(LEDGER, TARGETS)


def save_ledger() -> None:
    """Write this session's outcomes into the ledger (files must be as they were mutated).

    The session holds every outcome of the run, those taken from the ledger included, so the
    ledger can be written afresh from it.
    """
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome

    ledger = open_ledger()
    saved = 0
    with use_db(str(SESSION), WorkDB.Mode.open) as work_db:
        for item, result in work_db.completed_work_items:
            if result.worker_outcome != WorkerOutcome.NORMAL or result.test_outcome is None:
                continue
            spec = item.mutations[0]
            path = Path(spec.module_path).as_posix()
            ledger.note(
                path,
                spec.operator_name,
                spec.operator_args,
                spec.occurrence,
                str(result.test_outcome.value),
            )
            saved += 1
    ledger.save()
    print(f"{saved} outcomes written to {LEDGER}")


# --- report ------------------------------------------------------------------------------


def report(show_survivors: bool) -> None:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    survivors = []
    with use_db(str(SESSION), WorkDB.Mode.open) as work_db:
        for item, result in work_db.completed_work_items:
            module = Path(item.mutations[0].module_path).as_posix()
            if result.worker_outcome == WorkerOutcome.SKIPPED:
                counts[module]["skipped"] += 1
                continue
            counts[module][str(result.test_outcome.value)] += 1
            if result.test_outcome == TestOutcome.SURVIVED:
                survivors.append((item, result))
        pending = work_db.num_work_items - work_db.num_results
    print(f"{'module':42} {'run':>5} {'killed':>7} {'survived':>9} {'incompetent':>12} {'rate':>7}")
    totals: dict[str, int] = defaultdict(int)
    for module in sorted(counts):
        row = counts[module]
        run = row["killed"] + row["survived"]
        for key in ("killed", "survived", "incompetent", "skipped"):
            totals[key] += row[key]
        rate = f"{100 * row['killed'] / run:.1f}%" if run else "-"
        print(
            f"{module:42} {run:5} {row['killed']:7} {row['survived']:9} {row['incompetent']:12} {rate:>7}"
        )
    run = totals["killed"] + totals["survived"]
    rate = f"{100 * totals['killed'] / run:.1f}%" if run else "-"
    print(
        f"{'total':42} {run:5} {totals['killed']:7} {totals['survived']:9} {totals['incompetent']:12} {rate:>7}"
    )
    print(f"skipped by operator: {totals['skipped']}; still pending: {pending}")
    if show_survivors:
        for item, result in sorted(
            survivors,
            key=lambda pair: (pair[0].mutations[0].module_path, pair[0].mutations[0].start_pos),
        ):
            spec = item.mutations[0]
            print(
                f"\n--- {spec.module_path}:{spec.start_pos[0]} {spec.operator_name} ({item.job_id})"
            )
            if result.output.startswith("No test executes"):
                print("(no test executes these lines)")
            print(result.diff)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    map_command = commands.add_parser("map", help="record which tests cover which lines")
    map_command.add_argument("--workers", default="2")
    map_command.add_argument(
        "--add", nargs="*", default=[], help="only run these tests and add them to the map"
    )
    commands.add_parser("init", help="create the Cosmic Ray session")
    exec_command = commands.add_parser("exec", help="run the pending mutants")
    exec_command.add_argument("--slots", type=int, default=1)
    exec_command.add_argument("--timeout", type=float, default=300.0)
    exec_command.add_argument(
        "--limit", type=int, help="run at most this many pending mutants, chosen at random"
    )
    exec_command.add_argument(
        "--survivors", action="store_true", help="run the surviving mutants again (after new tests)"
    )
    exec_command.add_argument(
        "--fresh", action="store_true", help="run every mutant, ignoring the ledger"
    )
    commands.add_parser("save-ledger", help="write this session's outcomes into ledger.json")
    report_command = commands.add_parser("report", help="kill rate and survivors")
    report_command.add_argument("--survivors", action="store_true")
    args = parser.parse_args()
    if args.command == "map":
        build_coverage_map(args.workers, args.add)
    elif args.command == "init":
        init_session()
    elif args.command == "exec":
        execute(args.slots, args.timeout, args.limit, args.survivors, args.fresh)
    elif args.command == "save-ledger":
        save_ledger()
    else:
        report(args.survivors)


if __name__ == "__main__":
    main()

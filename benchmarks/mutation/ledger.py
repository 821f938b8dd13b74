"""Mutation outcomes kept from one run to the next, each valid while its function is unchanged.

A whole run takes longer than one working session on a shared two-core machine, and the
mutated modules keep changing between sessions. Keying outcomes by module digest threw away
every outcome of a module whenever one function in it changed (a new service added to
`credentials/services.py` voided its hundreds of outcomes), so the run never caught up.

Outcomes are therefore kept per *scope*: a top-level function, a method (each with its
decorators), or what is left of the module outside them (`<module>`). A scope's outcomes
hold only for the source text it had when they were measured (its SHA-256). A mutant is
named within its scope by its operator and its position among that operator's mutants in
the scope, so moving a function, or editing another one, leaves its names and outcomes
standing. A mutant's outcome can in principle depend on code outside its scope (a callee
that changed); the ledger accepts that, since tests are only ever added and the run can
always be repeated with `exec --fresh`.
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

MODULE_SCOPE = "<module>"
# Outcomes the ledger may stand in for; a survivor is always run again.
SETTLED_OUTCOMES = frozenset({"killed", "incompetent"})


def mutant_key(operator_name: str, operator_args: dict[str, object] | None, index: int) -> str:
    """Names one mutant of a scope: its operator and its place among that operator's there."""
    args = json.dumps(operator_args, sort_keys=True) if operator_args else ""
    return f"{operator_name}{args}#{index}"


@dataclass(frozen=True)
class Scope:
    name: str
    first_line: int
    last_line: int


def function_scopes(source: str) -> list[Scope]:
    """Top-level functions and methods, each from its first decorator to its last line."""

    def scope(node: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> Scope:
        first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
        return Scope(name, first, node.end_lineno or node.lineno)

    scopes: list[Scope] = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            scopes.append(scope(node, node.name))
        elif isinstance(node, ast.ClassDef):
            scopes.extend(
                scope(member, f"{node.name}.{member.name}")
                for member in node.body
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef)
            )
    return scopes


class ModuleScopes:
    """Which scope each line of one module's source belongs to, and each scope's digest."""

    def __init__(self, source: str) -> None:
        self.source = source
        lines = source.splitlines(keepends=True)
        self.scopes = function_scopes(source)
        self.digests: dict[str, str] = {}
        outside = [True] * len(lines)
        for scope in self.scopes:
            text = "".join(lines[scope.first_line - 1 : scope.last_line])
            self.digests[scope.name] = hashlib.sha256(text.encode()).hexdigest()
            outside[scope.first_line - 1 : scope.last_line] = [False] * (
                scope.last_line - scope.first_line + 1
            )
        rest = "".join(line for line, kept in zip(lines, outside, strict=True) if kept)
        self.digests[MODULE_SCOPE] = hashlib.sha256(rest.encode()).hexdigest()
        self._located: dict[str, list[tuple[str, str]]] = {}
        self._tree: Any = None

    def scope_of(self, line: int) -> str:
        for scope in self.scopes:
            if scope.first_line <= line <= scope.last_line:
                return scope.name
        return MODULE_SCOPE

    def locate(
        self, operator_name: str, operator_args: dict[str, object] | None, occurrence: int
    ) -> tuple[str, str]:
        """(scope, key) of a module-wide occurrence, as Cosmic Ray numbers them."""
        operator_id = operator_name + json.dumps(operator_args or {}, sort_keys=True)
        if operator_id not in self._located:
            self._located[operator_id] = self._locate_all(operator_name, operator_args)
        return self._located[operator_id][occurrence]

    def _locate_all(
        self, operator_name: str, operator_args: dict[str, object] | None
    ) -> list[tuple[str, str]]:
        # The same walk as `cosmic-ray init`, so occurrence N here is its occurrence N.
        from cosmic_ray.ast import ast_nodes, get_ast
        from cosmic_ray.plugins import get_operator

        if self._tree is None:
            self._tree = get_ast(self.source)
        operator = get_operator(operator_name)(**(operator_args or {}))
        seen: Counter[str] = Counter()
        located = []
        for node in ast_nodes(self._tree):
            for start, _end in operator.mutation_positions(node):
                scope = self.scope_of(start[0])
                located.append((scope, mutant_key(operator_name, operator_args, seen[scope])))
                seen[scope] += 1
        return located


class ScopeEntry(TypedDict):
    sha256: str
    outcomes: dict[str, str]


class Ledger:
    """Outcomes per module and scope (see the module's docstring), saved as JSON."""

    def __init__(self, path: Path, targets: list[str]) -> None:
        self.path = path
        self.targets = targets
        self.modules: dict[str, dict[str, ScopeEntry]] = (
            json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        )
        self._scopes: dict[str, ModuleScopes] = {}

    def scopes(self, module_path: str) -> ModuleScopes:
        if module_path not in self._scopes:
            source = Path(module_path).read_text(encoding="utf-8")
            self._scopes[module_path] = ModuleScopes(source)
        return self._scopes[module_path]

    def _current(self, module_path: str, scope: str) -> ScopeEntry | None:
        entry = self.modules.get(module_path, {}).get(scope)
        if entry and entry["sha256"] == self.scopes(module_path).digests.get(scope):
            return entry
        return None

    def settled(
        self,
        module_path: str,
        operator_name: str,
        operator_args: dict[str, object] | None,
        occurrence: int,
    ) -> str | None:
        scope, key = self.scopes(module_path).locate(operator_name, operator_args, occurrence)
        entry = self._current(module_path, scope)
        outcome = entry["outcomes"].get(key) if entry else None
        return outcome if outcome in SETTLED_OUTCOMES else None

    def note(
        self,
        module_path: str,
        operator_name: str,
        operator_args: dict[str, object] | None,
        occurrence: int,
        outcome: str,
    ) -> None:
        scopes = self.scopes(module_path)
        scope, key = scopes.locate(operator_name, operator_args, occurrence)
        entry = self._current(module_path, scope)
        if entry is None:
            # The first outcome for this source of the scope: older ones are void.
            entry = {"sha256": scopes.digests[scope], "outcomes": {}}
            self.modules.setdefault(module_path, {})[scope] = entry
        entry["outcomes"][key] = outcome

    def save(self) -> None:
        ordered: dict[str, dict[str, ScopeEntry]] = {}
        for module in sorted(self.modules):
            # Outcomes of a module no longer mutated, or of a scope's older source, are void.
            if module not in self.targets or not Path(module).exists():
                continue
            kept = {
                scope: ScopeEntry(
                    sha256=entry["sha256"], outcomes=dict(sorted(entry["outcomes"].items()))
                )
                for scope, entry in sorted(self.modules[module].items())
                if self._current(module, scope)
            }
            if kept:
                ordered[module] = kept
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(ordered, indent=1) + "\n", encoding="utf-8")
        temporary.replace(self.path)

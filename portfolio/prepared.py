"""Queries whose SQL is built once per process, for the few checks made on every request.

Building a query with the ORM costs far more than running it: a check made on every request
(the unread count in a signed-in page's header, say) cost about ten times a trivial request,
most of it in building the SQL and model instances (benchmarks/README.md). A
PreparedLookup builds a QuerySet's SQL once, from the same QuerySet functions the rules live
in (so a rule is still written in one place), and then runs it for one value at a time,
returning the row as the QuerySet's values_list() would, converted the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import Field, QuerySet

# Stands for the looked-up value while the SQL is built; replaced in the parameters.
PLACEHOLDER = "\x00prepared-lookup-value\x00"


class PreparedLookup:
    """``build(placeholder)``, a values_list() QuerySet, run for other values than it.

    The placeholder is PLACEHOLDER for text. A field that does not take any text (a UUID, say)
    needs a ``placeholder`` value of its own type and the ``field`` the value is compared with,
    which turns each looked-up value into its database form as the QuerySet would.
    """

    def __init__(
        self,
        build: Callable[[Any], QuerySet[Any]],
        *,
        placeholder: object = PLACEHOLDER,
        field: Field[Any, Any] | None = None,
    ) -> None:
        self._build = build
        self._placeholder = placeholder
        self._field = field
        self._compiled: dict[str, tuple[str, tuple[Any, ...], Any, Any]] = {}

    def _database_value(self, value: object, alias: str) -> object:
        if self._field is None:
            return value
        return self._field.get_db_prep_value(value, connections[alias], prepared=False)

    def _compile(self, alias: str) -> tuple[str, tuple[Any, ...], Any, Any]:
        if alias not in self._compiled:
            compiler = self._build(self._placeholder).query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            if params.count(self._database_value(self._placeholder, alias)) != 1:
                raise ValueError("The looked-up value must be exactly one parameter.")
            fields = [select[0] for select in compiler.select[: compiler.col_count]]
            self._compiled[alias] = (sql, tuple(params), compiler, compiler.get_converters(fields))
        return self._compiled[alias]

    def first(self, value: object, *, using: str = "default") -> tuple[Any, ...] | None:
        """The first row for ``value``, or None."""
        sql, params, compiler, converters = self._compile(using)
        placeholder = self._database_value(self._placeholder, using)
        value = self._database_value(value, using)
        with connections[using].cursor() as cursor:
            values: list[Any] = [value if param == placeholder else param for param in params]
            cursor.execute(sql, values)
            row = cursor.fetchone()
        if row is None:
            return None
        if converters:
            row = next(iter(compiler.apply_converters([row], converters)))
        return tuple(row)

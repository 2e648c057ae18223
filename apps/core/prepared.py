"""A queryset's SQL for one row by its id, compiled once a process.

A claim's detail compiled the same query on every request — its columns, the assignee's, the
regrading subqueries, the parts read with the row — to change only the id in it: 0.7 ms of the
4.4 ms the request took in process (docs/performance.md §17). `PreparedGet` compiles the queryset
once for each database it is read from, with a placeholder where the id goes, and reads a row as
Django's own `ModelIterable` does (the same converters, `from_db`, related objects and
annotations). The query still goes through the connection's wrappers (the request's statement
timeout, the history context), on the database the router picks for the read.

It is also a prepared statement of each connection that runs it (`PREPARE`, then `EXECUTE` with the
id): PostgreSQL plans it once a connection, not on every request. Planning the detail's query (the
claim, its four parts as subqueries, the regrading subqueries) took 1.2 ms where running it took
0.2 ms. The pool keeps a process's connections, so a statement is prepared a few times a process.
The `PREPARE` goes in the round trip of the first `EXECUTE` on a connection, so a read is always one
query. A connection that lost its statements (`DISCARD ALL`) prepares it again.
"""

from __future__ import annotations

import itertools
import re
import weakref
from dataclasses import dataclass

import psycopg
from django.db import ProgrammingError, connections
from django.db.models import Model, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler


class _Id:
    """Where the id goes among the compiled query's parameters (found by identity)."""


# the statements prepared on each of the driver's connections (a session's are its own)
_prepared_on: weakref.WeakKeyDictionary[psycopg.Connection, set[str]] = weakref.WeakKeyDictionary()
_names = itertools.count(1)
# a parameter's place in Django's SQL, or a literal percent sign
_PLACES = re.compile(r"%%|%s")


@dataclass
class _Compiled:
    compiler: SQLCompiler
    using: str
    name: str  # of the prepared statement
    prepare: str  # PREPARE name (bigint) AS …, the id as $1 and every other parameter written in

    def __post_init__(self) -> None:
        # where the model's columns, its related rows and the annotations are in a row, worked out
        # once (`ModelIterable.__iter__` does it for each query)
        compiler = self.compiler
        klass_info, select = compiler.klass_info, compiler.select
        fields = klass_info["select_fields"]
        self.model = klass_info["model"]
        self.columns = slice(fields[0], fields[-1] + 1)
        self.names = [column[0].target.attname for column in select[self.columns]]
        self.populators = get_related_populators(klass_info, select, self.using)
        self.annotations = list((compiler.annotation_col_map or {}).items())

    def instance(self, row: tuple) -> Model:
        """The row as a model instance, as `ModelIterable.__iter__` builds one."""
        (row,) = self.compiler.results_iter(results=[[row]])
        instance = self.model.from_db(self.using, self.names, row[self.columns])
        for populator in self.populators:
            populator.populate(row, instance)
        for name, position in self.annotations:
            setattr(instance, name, row[position])
        return instance


class PreparedGet:
    """`get(pk)` of a fixed queryset without compiling it again; `bind()` hands DRF a copy of the
    queryset whose `get(pk=…)` is this one (its `get_object` calls it)."""

    def __init__(self, queryset: QuerySet) -> None:
        self.queryset = queryset
        self._compiled: dict[str, _Compiled] = {}

    def bind(self) -> QuerySet:
        queryset = self.queryset.all()
        plain = queryset.get

        def get(*args, **kwargs):
            if args or list(kwargs) != ["pk"]:
                return plain(*args, **kwargs)
            return self.get(kwargs["pk"])

        queryset.get = get  # this copy only: a filter or an ordering of it is a queryset like any
        return queryset

    def get(self, pk) -> Model:
        model = self.queryset.model
        field = model._meta.pk
        value = field.to_python(pk)  # a ValidationError for an id that is no number, as the ORM
        using = self.queryset.db
        connection = connections[using]
        low, high = connection.ops.integer_field_range(field.get_internal_type())
        if not low <= value <= high:  # as the ORM: no row has it, not an error of the database's
            raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
        compiled = self._compiled.get(using) or self._compile(using)
        rows = self._execute(connection, compiled, value)
        if not rows:
            raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
        if len(rows) > 1:
            raise model.MultipleObjectsReturned(f"get() returned more than one {model._meta.object_name}.")
        return compiled.instance(rows[0])

    @staticmethod
    def _execute(connection, compiled: _Compiled, value: int) -> list[tuple]:
        """The rows of the prepared statement for this id (at most two), prepared first if this
        connection has not prepared it, in the same round trip."""
        execute = f"EXECUTE {compiled.name}(%s)"
        connection.ensure_connection()
        prepared = _prepared_on.setdefault(connection.connection, set())
        with connection.cursor() as cursor:
            if compiled.name in prepared:
                try:
                    cursor.execute(execute, [value])
                    return cursor.fetchmany(2)
                except ProgrammingError as error:
                    lost = isinstance(error.__cause__, psycopg.errors.InvalidSqlStatementName)
                    if not lost or connection.in_atomic_block:
                        raise  # (an aborted transaction cannot go on to prepare it)
                    prepared.discard(compiled.name)
            cursor.execute(f"{compiled.prepare}; {execute}", [value])
            prepared.add(compiled.name)
            while cursor.cursor.nextset():  # to the EXECUTE's rows
                pass
            return cursor.fetchmany(2)

    def _compile(self, using: str) -> _Compiled:
        placeholder = _Id()
        one = self.queryset.filter(pk=RawSQL("%s", (placeholder,)))
        compiler = one.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        at = [position for position, param in enumerate(params) if param is placeholder]
        if len(at) != 1:
            raise RuntimeError(f"the id is {len(at)} parameters of the prepared query, not one")
        # the id's `%s` becomes $1; the other parameters are written into the text, as the driver
        # would write them (this SQL is the ORM's, its parameters the queryset's own constants)
        places = iter(range(len(params)))
        marked = _PLACES.sub(
            lambda m: m[0] if m[0] == "%%" else ("$1" if next(places) == at[0] else "%s"), sql
        )
        others = [param for position, param in enumerate(params) if position != at[0]]
        body = connections[using].ops.compose_sql(marked, others)
        name = f"ct_prepared_{next(_names)}"
        pk_type = self.queryset.model._meta.pk.db_type(connections[using])
        prepare = f"PREPARE {name} ({pk_type}) AS {body}".replace("%", "%%")
        compiled = self._compiled[using] = _Compiled(compiler, using, name, prepare)
        return compiled

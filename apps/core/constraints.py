"""What a constraint the database enforced means, in words: for a write that lost a race."""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.db import IntegrityError

# PostgreSQL's SQLSTATEs for the integrity rules a write can break
UNIQUE_VIOLATION = "23505"
EXCLUSION_VIOLATION = "23P01"
FOREIGN_KEY_VIOLATION = "23503"
CONFLICTS = {UNIQUE_VIOLATION, EXCLUSION_VIOLATION}


def violation(error: IntegrityError) -> tuple[str, str]:
    """The SQLSTATE and the constraint's name of an integrity error ("" where PostgreSQL gives none)."""
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    return getattr(cause, "sqlstate", None) or "", getattr(diag, "constraint_name", None) or ""


@cache
def _constraints() -> dict[str, object]:
    return {
        constraint.name: constraint for model in apps.get_models() for constraint in model._meta.constraints
    }


def violation_message(error: IntegrityError) -> str:
    """The rule the write broke, as the model words it, never the constraint's internal name."""
    sqlstate, name = violation(error)
    constraint = _constraints().get(name)
    worded = constraint is not None and (
        constraint.violation_error_message != constraint.default_violation_error_message
    )
    if worded:
        return str(constraint.violation_error_message)
    if sqlstate in CONFLICTS:
        return "Another request stored the same thing at the same moment; GET it and go on from there."
    if sqlstate == FOREIGN_KEY_VIOLATION:
        return "A row it refers to was deleted while this request was being saved."
    return "The values break one of the database's rules; check them and send them again."

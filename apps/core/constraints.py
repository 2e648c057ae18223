"""What a constraint means, in words and on which field: for a model's validation (forms, the API)
and for a write that lost a race to the database."""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, models

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


class _OnField:
    """A constraint whose violation a form or the API shows on one field, in the words of its
    `violation_error_message`; as a whole-object error when that field is not being validated (a
    form without it). In migrations it is Django's own constraint: the field is Python's concern,
    not the database's."""

    django_path = ""  # the Django class migrations name it by

    def __init__(self, *args, field: str, **kwargs) -> None:
        self.field = field
        super().__init__(*args, **kwargs)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS) -> None:
        try:
            super().validate(model, instance, exclude=exclude, using=using)
        except ValidationError as error:
            if exclude and self.field in exclude:
                raise
            raise ValidationError({self.field: error.error_list}) from None

    def deconstruct(self):
        _, args, kwargs = super().deconstruct()
        return self.django_path, args, kwargs

    def clone(self):
        _, args, kwargs = self.deconstruct()
        return self.__class__(*args, field=self.field, **kwargs)


class FieldCheckConstraint(_OnField, models.CheckConstraint):
    """A CheckConstraint reported on `field`."""

    django_path = "django.db.models.CheckConstraint"


class FieldUniqueConstraint(_OnField, models.UniqueConstraint):
    """A UniqueConstraint reported on `field`."""

    django_path = "django.db.models.UniqueConstraint"


def violation_field(error: IntegrityError) -> str | None:
    """The field a violated constraint is reported on, if it names one."""
    return getattr(_constraints().get(violation(error)[1]), "field", None)


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

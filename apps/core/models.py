"""Shared model bits with no domain."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RowDeleted(Exception):
    """The row was deleted since this copy of it was read: saving it must not bring it back."""

    def __init__(self, instance: models.Model) -> None:
        self.instance = instance
        name = instance._meta.verbose_name
        super().__init__(f"This {name} was deleted by someone else while you were changing it.")


class UpdateNeverInsertsModel(models.Model):
    """A save of a row read from the database is an UPDATE or an error, never an INSERT.

    Django's `save()` falls back to an INSERT when its UPDATE matches no row. For a row another
    request deleted in the meantime that brings it back — without what was deleted with it, and
    under the history of a new row. A row read from the database (`_state.adding` is false) that
    is no longer there raises `RowDeleted`; a new instance given an id (a fixture, a restore of a
    deleted row) is still inserted."""

    class Meta:
        abstract = True

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        updated = super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)
        if updated or self._state.adding:
            return updated
        raise self._update_lost(base_qs.model._base_manager.using(using), pk_val)

    def _update_lost(self, rows: models.QuerySet, pk_val) -> Exception:
        """The error for an UPDATE that matched nothing (here: the row is gone)."""
        return RowDeleted(self)


class TimestampedModel(UpdateNeverInsertsModel):
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class CreatedByModel(TimestampedModel):
    """A row that a person made: who made it is kept even if their account goes."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        abstract = True


class DatePrecision(models.TextChoices):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


def format_partial_date(value, precision: str | None) -> str:
    """Show a date only as precisely as it is known: 2023, 2023-06 or 2023-06-05."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{value:%Y}"
    if precision == DatePrecision.MONTH:
        return f"{value:%Y-%m}"
    return value.isoformat()


def date_span(value, precision: str | None):
    """The days a partial date covers: 2023 is 1 January to 31 December, 2023-06 all of June."""
    import calendar
    import datetime

    if value is None:
        return None, None
    if precision == DatePrecision.YEAR:
        return datetime.date(value.year, 1, 1), datetime.date(value.year, 12, 31)
    if precision == DatePrecision.MONTH:
        last = calendar.monthrange(value.year, value.month)[1]
        return value.replace(day=1), value.replace(day=last)
    return value, value


def periods_overlap(one: tuple, other: tuple) -> bool:
    """Whether two periods (first day, last day; None for an open end) share a day."""
    (a_start, a_end), (b_start, b_end) = one, other
    return (a_start is None or b_end is None or a_start <= b_end) and (
        b_start is None or a_end is None or b_start <= a_end
    )


def parse_partial_date(text: str):
    """Read "YYYY", "YYYY-MM" or "YYYY-MM-DD" into (date, precision)."""
    import datetime

    parts = text.split("-")
    try:
        if len(parts) == 1:
            return datetime.date(int(parts[0]), 1, 1), DatePrecision.YEAR
        if len(parts) == 2:
            return datetime.date(int(parts[0]), int(parts[1]), 1), DatePrecision.MONTH
        if len(parts) == 3:
            return datetime.date.fromisoformat(text), DatePrecision.DAY
    except ValueError:
        pass
    raise ValueError(f"not a date of the form YYYY, YYYY-MM or YYYY-MM-DD: {text!r}")


class VersionConflict(Exception):
    """The row changed since this copy of it was read: saving would overwrite someone's edit."""

    def __init__(self, instance: models.Model, expected: int) -> None:
        self.instance, self.expected = instance, expected
        name = instance._meta.verbose_name
        super().__init__(f"This {name} was changed by someone else since version {expected} was read.")


class VersionedModel(UpdateNeverInsertsModel):
    """Optimistic concurrency: every save of a row read at version N is one `UPDATE … WHERE
    version = N` that sets N + 1, so of two editors who read N only the first one's save lands;
    the second gets `VersionConflict` and nothing of theirs is written. A row deleted in between
    is `RowDeleted`, never re-inserted (the UPDATE waits for the delete's lock, then finds nothing)."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        expected = self.version
        values = [(field, model, value) for field, model, value in values if field.attname != "version"]
        values.append((self._meta.get_field("version"), None, expected + 1))  # update_fields saves too
        self._version_expected = expected
        updated = super()._do_update(
            base_qs.filter(version=expected), using, pk_val, values, update_fields, forced_update
        )
        if updated:
            self.version = expected + 1
        return updated

    def _update_lost(self, rows: models.QuerySet, pk_val) -> Exception:
        if rows.filter(pk=pk_val).exists():
            return VersionConflict(self, self._version_expected)
        return RowDeleted(self)


# the change log's tables live in their own module (apps/core/changes.py); imported for Django to find
from apps.core.changes import Change, ChangeCluster, ChangeTransaction  # noqa: E402, F401

"""Editors' grades of sources (credibility reads claims and is never written by them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.core.history import tracked
from apps.entities.models import Entity


class SourceRatingQuerySet(models.QuerySet):
    def current(self) -> SourceRatingQuerySet:
        """The latest rating of each entity: the one in force."""
        return self.order_by("entity_id", "-rated_at", "-id").distinct("entity_id")


@tracked()
class SourceRating(models.Model):
    """One grading of an entity's reliability on the Admiralty scale; the latest is current."""

    class Grade(models.TextChoices):
        A = "A", "A — completely reliable"
        B = "B", "B — usually reliable"
        C = "C", "C — fairly reliable"
        D = "D", "D — not usually reliable"
        E = "E", "E — unreliable"
        F = "F", "F — reliability cannot be judged"

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="ratings")
    grade = models.CharField(max_length=1, choices=Grade)
    rationale = models.TextField(help_text="Why this grade: the record it rests on.")
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rated_at = models.DateTimeField(default=timezone.now)

    objects = SourceRatingQuerySet.as_manager()

    class Meta:
        ordering = ["entity", "-rated_at", "-id"]
        get_latest_by = ["rated_at", "id"]
        indexes = [
            # the current rating is the latest per entity
            models.Index(fields=["entity", "-rated_at", "-id"], name="sourcerating_entity_latest"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(grade__in=list("ABCDEF")), name="sourcerating_grade_in_range"),
            models.CheckConstraint(condition=~Q(rationale=""), name="sourcerating_rationale_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.grade} ({self.rated_at:%Y-%m-%d})"

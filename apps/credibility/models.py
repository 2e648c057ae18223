"""Editors' grades of sources (credibility reads claims and is never written by them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.claims.models import Claim
from apps.core.constraints import FieldCheckConstraint
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
            # ?updated_after=: the ratings given since a time (a rating is never changed)
            models.Index(fields=["rated_at"], name="sourcerating_rated_at"),
        ]
        constraints = [
            FieldCheckConstraint(
                condition=Q(grade__in=list("ABCDEF")),
                name="sourcerating_grade_in_range",
                field="grade",
                violation_error_message="A grade is a letter from A (reliable) to F (cannot be judged).",
            ),
            FieldCheckConstraint(
                condition=~Q(rationale=""),
                name="sourcerating_rationale_not_empty",
                field="rationale",
                violation_error_message="Say why: a rating needs its rationale.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.grade} ({self.rated_at:%Y-%m-%d})"


class RegradeQuerySet(models.QuerySet):
    def visible_to(self, user) -> RegradeQuerySet:
        """The moves of the claims this user may see: a draft's regrades exist only for its readers."""
        if user.has_perm("claims.view_draft"):
            return self
        return self.filter(claim__publication=Claim.Publication.PUBLISHED)


class Regrade(models.Model):
    """A move of a claim's stored grade, from what to what, when and what moved it: the desk's queue
    and `GET /api/v1/regrades/` list them. Written by `credibility_recompute` only, never edited;
    a claim's first grading is not a move."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="regrades")
    from_grade = models.PositiveSmallIntegerField()
    to_grade = models.PositiveSmallIntegerField()
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True, help_text="The reason that decided the new grade.")

    objects = RegradeQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # the feed and the desk list the newest first, since a date
            models.Index(fields=["-at", "-id"], name="regrade_at_id"),
            # ?claim= and a claim's own moves
            models.Index(fields=["claim", "-at"], name="regrade_claim_at"),
        ]
        constraints = [
            FieldCheckConstraint(
                condition=Q(from_grade__gte=1, from_grade__lte=6),
                name="regrade_from_in_range",
                field="from_grade",
                violation_error_message="A grade is a number from 1 to 6.",
            ),
            FieldCheckConstraint(
                condition=Q(to_grade__gte=1, to_grade__lte=6),
                name="regrade_to_in_range",
                field="to_grade",
                violation_error_message="A grade is a number from 1 to 6.",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.claim_id} {self.from_grade} → {self.to_grade} ({self.at:%Y-%m-%d %H:%M})"

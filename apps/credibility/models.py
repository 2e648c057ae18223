"""Editors' grades of sources (credibility reads claims and is never written by them)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
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


class RegradeBatch(models.Model):
    """A fan-out queued by one write (a rating, a merge, a rename): its claims wait in `PendingRegrade`
    until the chunk jobs of `apps/credibility/tasks.py` regrade them."""

    reason = models.TextField(
        help_text="What queued it, in words: the rating or edit that moves these grades."
    )
    total = models.PositiveIntegerField(default=0, help_text="How many claims it queued.")
    # the entities whose claims it regrades: until the batch is planned into chunks, a claim resting
    # on one of them is "being regraded" (the write that queued it marks no claim itself)
    resting_on = ArrayField(models.IntegerField(), default=list)
    queued_at = models.DateTimeField(default=timezone.now)
    # the chunk jobs are deferred once: a planning job run again after a crash finds this set
    planned_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # `regrading`: the batches not planned yet, whose claims are found by their entities
            models.Index(fields=["queued_at"], condition=Q(planned_at=None), name="regradebatch_unplanned"),
        ]

    def __str__(self) -> str:
        return f"{self.reason} ({self.total} claims, {self.queued_at:%Y-%m-%d %H:%M})"


class PendingRegrade(models.Model):
    """Claims whose stored grade waits for a queued regrade, one chunk job's worth a row: "being
    regraded" in the API and the admin.

    Written by one INSERT … SELECT in the planning job of their batch, deleted by the chunk job that
    regrades them, in that job's transaction: the claims table, with its history triggers, is never
    touched to mark them. A claim two batches queued is in a chunk of each; each
    batch regrades it after its own write committed, so neither write is missed.
    """

    # No foreign-key constraint, and a chunk of claims a row rather than a row a claim: a row, an index
    # entry and a constraint check per claim wrote 16 times the WAL for a fan-out of 50,000 claims
    # (bench/regrade.py, docs/scaling.md). A claim deleted meanwhile is skipped by its chunk; a batch
    # is never deleted.
    batch = models.ForeignKey(
        RegradeBatch, on_delete=models.DO_NOTHING, db_constraint=False, related_name="pending"
    )
    first_claim = models.BigIntegerField()
    last_claim = models.BigIntegerField()
    claim_ids = ArrayField(models.BigIntegerField())

    class Meta:
        indexes = [
            # `regrading`: the chunks whose id range holds a claim, then its id among theirs
            models.Index(fields=["first_claim", "last_claim"], name="pendingregrade_range"),
        ]

    def __str__(self) -> str:
        return (
            f"{len(self.claim_ids)} claims, #{self.first_claim}–#{self.last_claim}, of batch {self.batch_id}"
        )


class EntityReliability(models.Model):
    """An entity's current rating and track record, stored for the entities list to read by a join.

    One row an entity that was ever rated or affirmed a published claim (none: unrated, no record).
    Kept current by the database triggers of migration 0008, in the transaction of every write to
    ratings and claims (services, admin, bulk writes and deletes alike): never written from Python.
    """

    # hidden (`+`): a merge moves the links to an entity, and this row is no link (it goes with its entity)
    entity = models.OneToOneField(
        Entity,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        related_query_name="stored_reliability",
    )
    # the latest rating's, as `SourceRating.objects.current()` gives it
    grade = models.CharField(max_length=1, null=True, blank=True)
    rationale = models.TextField(null=True, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    # the published claims it affirmed (as speaker or root), and of those the ones judged since
    affirmed = models.IntegerField(db_default=0)
    corroborated = models.IntegerField(db_default=0)
    refuted = models.IntegerField(db_default=0)

    def __str__(self) -> str:
        record = f"{self.corroborated} right, {self.refuted} wrong of {self.affirmed}"
        return f"#{self.entity_id} {self.grade or 'unrated'}, {record}"

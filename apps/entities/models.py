"""Entities: anyone or anything claims are about or come from, in one table."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from apps.core.constraints import FieldCheckConstraint, FieldUniqueConstraint
from apps.core.history import tracked, tracked_links
from apps.core.models import CreatedByModel, TimestampedModel, VersionedModel


class EntityQuerySet(models.QuerySet):
    def matching_name(self, text: str) -> EntityQuerySet:
        """Entities whose name or any alias contains `text`."""
        return self.filter(Q(name__icontains=text) | Q(aliases__name__icontains=text)).distinct()


@tracked()
class Entity(VersionedModel, CreatedByModel):
    class Kind(models.TextChoices):
        PERSON = "person"
        ORGANIZATION = "organization"
        OUTLET = "outlet"
        GOVERNMENT = "government"
        PLACE = "place"
        OTHER = "other"

    kind = models.CharField(max_length=16, choices=Kind, default=Kind.OTHER)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        help_text="The body this one belongs to or speaks for: reporter → outlet, Monitoring Team → UN, "
        "minister → government.",
    )
    # None: by its kind (BOUNDARY_KINDS); True or False: an editor's decision for this entity
    independence_boundary = models.BooleanField(
        null=True,
        blank=True,
        help_text="Whether it bounds a family of sources: everything inside it (its parts, their parts) "
        "counts as one source with it. Empty: by its kind (governments, organisations and outlets do; "
        "people, places and others do not).",
    )
    draws_on = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="drawn_on_by",
        help_text="The sources its findings draw on (the UN team on member states' intelligence, a "
        "think tank on a UN report): it counts with them, not beside them.",
    )
    # kept current by a database trigger (apps/core/migrations/0002_search.py's functions), never here
    search_vector = SearchVectorField(null=True, editable=False)

    objects = EntityQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "entities"
        ordering = ["name", "id"]
        indexes = [
            # the admin and API list entities by name and filter them by kind
            models.Index(fields=["name", "id"], name="entity_name"),
            models.Index(fields=["kind", "name"], name="entity_kind_name"),
            # ?search= and the admin search: its name and aliases
            GinIndex(fields=["search_vector"], name="entity_search"),
            # ?updated_after=: the entities changed since a time
            models.Index(fields=["updated"], name="entity_updated"),
        ]
        constraints = [
            FieldCheckConstraint(
                condition=~Q(parent=models.F("id")),
                name="entity_not_own_parent",
                field="parent",
                violation_error_message="An entity cannot be inside itself.",
            ),
            FieldCheckConstraint(
                condition=~Q(name=""),
                name="entity_name_not_empty",
                field="name",
                violation_error_message="Give the entity a name.",
            ),
        ]

    BOUNDARY_KINDS = frozenset({Kind.GOVERNMENT, Kind.ORGANIZATION, Kind.OUTLET})

    def __str__(self) -> str:
        return self.name

    @property
    def source_label(self) -> str:
        """How a loop of sources names it."""
        return self.name

    @property
    def is_boundary(self) -> bool:
        """Whether this entity bounds a family of sources (see `independence_boundary`)."""
        if self.independence_boundary is not None:
            return self.independence_boundary
        return self.kind in self.BOUNDARY_KINDS

    def clean(self) -> None:
        self.name = self.name.strip()
        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if self.pk is not None and ancestor.pk == self.pk:
                raise ValidationError({"parent": "An entity cannot be inside itself."})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


@tracked_links("draws_on", label="draws_on")
class EntityDrawsOn(Entity.draws_on.through):
    """An entity's draws-on link, for its history (the table is the field's own)."""

    class Meta:
        proxy = True
        verbose_name = "entity draws on"


@tracked()
class Alias(TimestampedModel):
    """Another name of an entity: an Arabic spelling, an English form, a transliteration."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=300)
    language = models.CharField(
        max_length=16, blank=True, help_text="BCP 47 tag of the name's language: ar, en, fa, ps…"
    )

    class Meta:
        verbose_name_plural = "aliases"
        ordering = ["entity", "name"]
        indexes = [models.Index(fields=["name"], name="alias_name")]
        constraints = [
            FieldUniqueConstraint(
                fields=["entity", "name"],
                name="alias_unique_per_entity",
                field="name",
                violation_error_message="The entity already has this alias.",
            ),
            FieldCheckConstraint(
                condition=~Q(name=""),
                name="alias_name_not_empty",
                field="name",
                violation_error_message="An alias cannot be empty.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

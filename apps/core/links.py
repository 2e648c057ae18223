"""Links between rows of one table that must not loop (an entity drawing on itself through others)."""

from __future__ import annotations

from django.db import models

DRAWS_ON_LOOP = "That would make a loop of sources ({loop}): one of them must not draw on the next."


def link_loop(instance: models.Model, field_name: str, targets) -> str | None:
    """The loop that linking `instance` to `targets` through its many-to-many `field_name` would
    make ("A → B → A", each row by its `source_label`): one of them already leads back to it, or is
    it. None when there is none."""
    if instance.pk is None:
        return None
    field = type(instance)._meta.get_field(field_name)
    through = field.remote_field.through
    source, target = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
    edges: dict[int, set[int]] = {}
    for a, b in through.objects.values_list(source, target):
        edges.setdefault(a, set()).add(b)
    for start in targets:
        path, pending = {start.pk: [start.pk]}, [start.pk]
        while pending:
            current = pending.pop()
            if current == instance.pk:
                chain = [instance.pk, *path[current]]
                rows = type(instance)._base_manager.in_bulk(chain)
                return " → ".join(rows[pk].source_label for pk in chain)
            for following in edges.get(current, ()):
                if following not in path:
                    path[following] = [*path[current], following]
                    pending.append(following)
    return None

"""Finding an entity's names in a text: every name and alias, Arabic-aware (search normalisation),
as whole words, with or without an attached clitic letter («والقاعدة», «بالقاعدة»)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from apps.core.arabic import search_normalize
from apps.entities.models import Alias, Entity


def name_pattern(names: Iterable[str]) -> re.Pattern | None:
    """Any of these names as whole words in a search-normalised, case-folded text; None for none."""
    forms = sorted(
        {search_normalize(name).casefold() for name in names if name.strip()}, key=len, reverse=True
    )
    if not forms:
        return None
    return re.compile(r"(?<!\w)[وفبكل]?(?:" + "|".join(map(re.escape, forms)) + r")(?!\w)")


def normalized(text: str) -> str:
    """The text as `name_pattern` reads it."""
    return search_normalize(text).casefold()


def entity_names(entity_ids: Iterable[int]) -> dict[int, set[str]]:
    """Each entity's name and aliases, in two queries."""
    ids = set(entity_ids)
    names: dict[int, set[str]] = defaultdict(set)
    for pk, name in Entity.objects.filter(pk__in=ids).values_list("pk", "name"):
        names[pk].add(name)
    for pk, name in Alias.objects.filter(entity__in=ids).values_list("entity_id", "name"):
        names[pk].add(name)
    return names

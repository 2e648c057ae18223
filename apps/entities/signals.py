"""Named signals the entities room sends; higher rooms subscribe in their apps.py."""

from django.dispatch import Signal

# Sent after `entity_merge` moved every link; kwargs: keep (Entity), duplicate_id (int).
entity_merged = Signal()

"""Named signals the claims room sends; credibility subscribes in its apps.py."""

from django.dispatch import Signal

# Sent inside the writing transaction whenever an input of a claim's credibility changed.
# kwargs: claim_ids (list[int]).
claims_changed = Signal()

"""What the admin's pages post, for the tests that drive them as an editor would."""

from __future__ import annotations

from apps.claims.models import Claim


def claim_form(claim: Claim, **changes) -> dict:
    """What the claim change page posts, as the editor saw it when it opened (its version included),
    with `changes` on top (fields, or inline formsets' management and rows)."""
    return {
        "statement": claim.statement,
        "language": claim.language,
        "status": claim.status,
        "status_note": claim.status_note,
        "publication": claim.publication,
        "version_seen": claim.version,
        "attestations-TOTAL_FORMS": 0,
        "attestations-INITIAL_FORMS": 0,
        "relations_out-TOTAL_FORMS": 0,
        "relations_out-INITIAL_FORMS": 0,
        "relations_in-TOTAL_FORMS": 0,
        "relations_in-INITIAL_FORMS": 0,
        **changes,
    }

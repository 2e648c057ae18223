"""Bring fact-checks in from schema.org ClaimReview JSON-LD: files, feeds and web pages.

`reading` finds the reviews in files and `review` checks each one's values, without touching the
database (`verdicts` reads a verdict as a status); `importing` skips the reviews already imported
and writes the rest, each in its own transaction. The rules for editors are in
`manage.py import_claimreview --help`.
"""

from apps.claims.claimreview_import.importing import Created, Duplicate, ImportReport, claimreviews_import
from apps.claims.claimreview_import.reading import SUFFIXES_SHOWN, Ignored, Rejection, Where
from apps.claims.claimreview_import.review import Review
from apps.claims.claimreview_import.verdicts import verdict_status

__all__ = [
    "SUFFIXES_SHOWN",
    "Created",
    "Duplicate",
    "Ignored",
    "ImportReport",
    "Rejection",
    "Review",
    "Where",
    "claimreviews_import",
    "verdict_status",
]

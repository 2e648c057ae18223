"""Bring new documents in from files: plain text (with a sidecar), web pages and JSON lines.

`reading` turns files into documents and rejections without touching the database; `importing`
resolves their metadata, skips the bodies already stored and saves the rest. The rules for editors
are in `manage.py import_documents --help`.
"""

from apps.documents.ingest.importing import (
    Created,
    Duplicate,
    ImportDefaults,
    ImportReport,
    documents_import,
    validation_reason,
)
from apps.documents.ingest.reading import SUFFIXES_SHOWN, Rejection, Source

__all__ = [
    "SUFFIXES_SHOWN",
    "Created",
    "Duplicate",
    "ImportDefaults",
    "ImportReport",
    "Rejection",
    "Source",
    "documents_import",
    "validation_reason",
]

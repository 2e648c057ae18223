"""Writes on documents."""

from __future__ import annotations

from django.db import transaction

from apps.documents.models import Document


@transaction.atomic
def document_create(*, by=None, authors=(), cites=(), **fields) -> Document:
    """Validate and save a new document; its body hash is computed, never taken from input."""
    fields.pop("body_sha256", None)
    document = Document(created_by=by, **fields)
    document.full_clean()
    document.save()
    document.authors.set(authors)
    document.cites.set(cites)
    return document

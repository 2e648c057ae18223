"""Admin bits shared by every room: text shown in its own direction."""

from __future__ import annotations

from django import forms
from django.utils.html import format_html


def bidi(text: str, limit: int | None = 120, css: str = "ct-text"):
    """Show text in the direction of its own script (Arabic right-to-left)."""
    if text is None:
        return ""
    shown = text if limit is None or len(text) <= limit else text[: limit - 1] + "…"
    return format_html('<span dir="auto" class="{}">{}</span>', css, shown)


class BidiTextarea(forms.Textarea):
    """A textarea that writes Arabic right-to-left and English left-to-right."""

    def __init__(self, attrs=None, rows: int = 3) -> None:
        super().__init__(attrs={"dir": "auto", "rows": rows, "class": "ct-arabic", **(attrs or {})})


class BidiTextInput(forms.TextInput):
    def __init__(self, attrs=None) -> None:
        super().__init__(attrs={"dir": "auto", "class": "vTextField", **(attrs or {})})

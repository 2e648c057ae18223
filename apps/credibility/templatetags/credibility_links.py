"""A grade's reasons with every claim they name («contradicted by #22») as a link to that claim."""

from __future__ import annotations

import re

from django import template
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

CLAIM_NUMBER = re.compile(r"#(\d+)")


@register.filter
def claim_links(text: str) -> SafeString:
    """The text, escaped, with each «#N» a link to claim N's page in the admin."""

    def link(match: re.Match) -> str:
        url = reverse("admin:claims_claim_change", args=[int(match.group(1))])
        return format_html('<a href="{}">#{}</a>', url, match.group(1))

    # safe: the text is escaped first, and each link is built by format_html
    return mark_safe(CLAIM_NUMBER.sub(link, escape(text)))

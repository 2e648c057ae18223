"""Who a client is (its address, behind as many proxies as are configured) and what a client locked
out after too many failed logins is told."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape

from apps.core.outage import wants_json


def client_ip(request: HttpRequest) -> str:
    """The client's address: `REMOTE_ADDR`, or with `NUM_PROXIES` = n trusted proxies in front, the
    address the nearest of them saw (the n-th from the right in `X-Forwarded-For`; a client can
    put anything to the left). With no proxy configured the header is ignored, so a client cannot
    claim a new address on every request. DRF's throttles read the same setting the same way."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not proxies or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    return hops[-min(proxies, len(hops))] or remote


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a locked-out login: a 429 with Retry-After, in JSON for API clients."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    minutes = max(1, round(seconds / 60))
    message = (
        f"Too many failed logins from this account or address: try again in {minutes} minute(s). "
        "An editor can unlock it sooner (manage.py axes_reset_username NAME)."
    )
    headers = {"Retry-After": str(seconds)}
    if wants_json(request):
        return JsonResponse({"detail": message}, status=429, headers=headers)
    page = (
        "<!doctype html><html lang=en><title>Locked out · ClaimTrack</title>"
        f"<h1>Locked out</h1><p>{escape(message)}</p><p><a href='/admin/login/'>Log in</a></p></html>"
    )
    return HttpResponse(page, status=429, headers=headers)

"""The API's request rates, counted in the shared cache (Redis, or the database's cache table)."""

from __future__ import annotations

from rest_framework.throttling import UserRateThrottle as DRFUserRateThrottle


class UserRateThrottle(DRFUserRateThrottle):
    """The rate of a signed-in user. DRF's counts an anonymous client too, by address, beside the
    anonymous rate: a second counter for the same client under a looser limit, which can never be
    the one that refuses, and two more cache round trips on every anonymous read."""

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None  # AnonRateThrottle counts this client
        return super().get_cache_key(request, view)

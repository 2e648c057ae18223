"""`Authorization: Token …` by django-rest-knox (no views here: DRF's settings import this module)."""

from __future__ import annotations

import re

from django.utils import timezone
from knox import auth as knox_auth
from rest_framework.exceptions import AuthenticationFailed

# knox's tokens are 64 hexadecimal digits; those made before it (DRF's, carried over by
# apps/accounts/migrations/0001) 40. Anything else is refused before it reaches the database.
TOKEN_SHAPE = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


class TokenAuthentication(knox_auth.TokenAuthentication):
    """`Authorization: Token …`, checked for its shape first: a NUL, a byte that is no UTF-8 or a
    5,000-character string is an invalid token (401), not a query the driver refuses (500)."""

    def authenticate_credentials(self, token: bytes):
        try:
            text = token.decode("utf-8")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Invalid token.") from None
        if not TOKEN_SHAPE.fullmatch(text):
            raise AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(token)

    def _cleanup_token(self, auth_token) -> bool:
        # only the token presented: knox also reads every other token of the user on every request
        # (a query each time); the user's expired tokens are deleted at their next login instead
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False

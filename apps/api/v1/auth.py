"""API tokens by django-rest-knox: hashed at rest, with an expiry, revoked by logout, several per
user (one per client), and all revoked when the password changes (apps.accounts.signals). Logins
are counted by django-axes: too many failures lock out the account and the client address."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from knox import views as knox_views
from knox.models import AuthToken
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from apps.api.v1.authentication import TokenAuthentication
from apps.api.v1.throttles import ScopedRateThrottle


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, write_only=True)

    def validate(self, attrs):
        request = self.context["request"]
        # Django's request, not DRF's: django-axes counts the failure on it and its middleware
        # answers a locked-out client with a 429
        user = authenticate(
            request=getattr(request, "_request", request),
            username=attrs["username"],
            password=attrs["password"],
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                "Unable to log in with the username and password given.", code="authorization"
            )
        attrs["user"] = user
        return attrs


TokenSerializer = inline_serializer(
    "Token",
    {
        "token": serializers.CharField(help_text="Send it as `Authorization: Token <token>`."),
        "expiry": serializers.DateTimeField(help_text="When it stops working; log in again then."),
    },
)


class LoginView(knox_views.LoginView):
    """`POST /api/v1/auth/token/` with a username and password: a new token for this client."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    # on top of django-axes' lock-out: password hashing is slow on purpose, so guesses are few
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(request=LoginSerializer, responses=TokenSerializer)
    def post(self, request, format=None):
        serializer = LoginSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        # the user is not made this request's user: what the request writes is a login's
        # bookkeeping, not the user's edits (pghistory would credit them)
        user = serializer.validated_data["user"]
        AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
        instance, token = AuthToken.objects.create(
            user=user, expiry=self.get_token_ttl(), prefix=self.get_token_prefix()
        )
        user_logged_in.send(sender=type(user), request=request, user=user)
        return Response({"expiry": self.format_expiry_datetime(instance.expiry), "token": token})


class LogoutView(knox_views.LogoutView):
    """`POST /api/v1/auth/logout/`: the token sent stops working at once."""

    authentication_classes = [TokenAuthentication]

    @extend_schema(request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format)


class LogoutAllView(knox_views.LogoutAllView):
    """`POST /api/v1/auth/logout-all/`: every token of this user stops working (a lost laptop)."""

    authentication_classes = [TokenAuthentication]

    @extend_schema(request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format)

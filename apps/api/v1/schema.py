"""The OpenAPI schema lists the errors an operation can answer with, not only its success."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

from apps.api.v1.pagination import HybridPagination, PagePagination
from apps.api.v1.permissions import RolePermission


class TokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Token <token>`, the token POST /api/v1/auth/token/ answers (knox's)."""

    target_class = "apps.api.v1.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")


class ErrorSerializer(serializers.Serializer):
    """DRF's body for every error but refused values: `{"detail": "…"}`."""

    detail = serializers.CharField()


VALIDATION_ERRORS = {
    "type": "object",
    "description": (
        "The messages for each refused field or query parameter, by name; `non_field_errors` for "
        "the object as a whole, `detail` for a body that could not be read."
    ),
    "additionalProperties": {},
}

PAGE_PARAMETERS = {PagePagination.page_query_param, HybridPagination.cursor_query_param}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's, plus the errors: clients (and tests/api/test_fuzz.py) are told every answer."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        for code, response in self._errors(operation).items():
            # an answer the view documents itself wins
            operation["responses"].setdefault(code, self._get_response_for_code(response, code))
        return operation

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method in ("PUT", "PATCH", "DELETE") and getattr(self.view, "versioned", False):
            if_match = OpenApiParameter(
                "If-Match",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="The ETag of the version you change, as a GET of it answered.",
            )
            parameters = [*parameters, if_match]
        return parameters

    def _errors(self, operation: dict) -> dict[str, OpenApiResponse]:
        """The errors this operation can answer with, each when the view can raise it."""
        parameters = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
        errors = {}
        if "requestBody" in operation or any(where == "query" for where, _ in parameters):
            errors["400"] = OpenApiResponse(VALIDATION_ERRORS, "A value was refused.")
        if self.view.authentication_classes:
            errors["401"] = OpenApiResponse(
                ErrorSerializer, "Credentials are needed, or the token sent is not valid."
            )
        # RolePermission opens every read; any other permission may refuse one
        reads_open = all(issubclass(p, RolePermission) for p in self.view.permission_classes)
        if self.method not in SAFE_METHODS or not reads_open:
            errors["403"] = OpenApiResponse(ErrorSerializer, "Your role may not do this.")
        paged = any(where == "query" and name in PAGE_PARAMETERS for where, name in parameters)
        if paged or any(where == "path" for where, _ in parameters):
            errors["404"] = OpenApiResponse(ErrorSerializer, "No such object (or page, or cursor).")
        errors["406"] = OpenApiResponse(
            ErrorSerializer, "None of the media types that Accept names can be answered with."
        )
        if self.method == "DELETE":
            errors["409"] = OpenApiResponse(ErrorSerializer, "Other rows still refer to this one.")
        elif self.method in ("POST", "PUT", "PATCH") and "requestBody" in operation:
            errors["409"] = OpenApiResponse(
                ErrorSerializer, "Another request stored the same thing at the same moment: GET it."
            )
        if self.method in ("PUT", "PATCH", "DELETE") and getattr(self.view, "versioned", False):
            errors["412"] = OpenApiResponse(ErrorSerializer, "Changed since the version If-Match names.")
            errors["428"] = OpenApiResponse(ErrorSerializer, "If-Match is missing: send the ETag you read.")
        if "requestBody" in operation:
            errors["413"] = OpenApiResponse(ErrorSerializer, "The body is larger than the server takes.")
        if any(where == "query" for where, _ in parameters):
            errors["414"] = OpenApiResponse(
                ErrorSerializer, "The query string is longer than the server takes."
            )
        if self.view.throttle_classes:
            errors["429"] = OpenApiResponse(ErrorSerializer, "Too many requests: wait `Retry-After` seconds.")
        errors["503"] = OpenApiResponse(
            ErrorSerializer,
            "The database is unavailable or read-only, or the request took longer than the server "
            "allows: narrow it, or retry after `Retry-After` seconds.",
        )
        return errors

"""Who may do what through the API: anyone reads, roles write."""

from __future__ import annotations

from rest_framework import permissions


class RolePermission(permissions.DjangoModelPermissionsOrAnonReadOnly):
    """Reads are open (drafts are filtered out by the querysets); writes need the model permission."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": [],
        "OPTIONS": [],
        "HEAD": [],
    }

    def has_permission(self, request, view) -> bool:
        # a read needs no permission: DRF would still build the view's queryset to find its model
        if request.method in permissions.SAFE_METHODS:
            return True
        return super().has_permission(request, view)


def is_editor(user) -> bool:
    return user.is_authenticated and user.has_perm("claims.add_claim")


class CanReadHistory(permissions.BasePermission):
    """The history shows who changed what, drafts' past text included: those who see drafts read it."""

    def has_permission(self, request, view) -> bool:
        return bool(
            request.user and request.user.is_authenticated and request.user.has_perm("claims.view_draft")
        )

"""The roles people have: editors write everything, fact-checkers judge, consumers read."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

EDITOR = "editor"
FACT_CHECKER = "fact-checker"
# API consumers read published claims; the group names them, it grants nothing beyond reading
CONSUMER = "consumer"

_CURATED_MODELS = {
    "entities": ["entity", "alias"],
    "documents": ["document"],
    "claims": ["claim", "attestation", "claimrelation"],
    "credibility": ["sourcerating"],
}


def _all_model_permissions() -> set[tuple[str, str]]:
    return {
        (app, f"{action}_{model}")
        for app, models in _CURATED_MODELS.items()
        for model in models
        for action in ("view", "add", "change", "delete")
    }


def _view_permissions() -> set[tuple[str, str]]:
    return {(app, f"view_{model}") for app, models in _CURATED_MODELS.items() for model in models}


# the admin's history of a row (pghistory's events page, with who made each change) is read-only
HISTORY = {("pghistory", "view_middlewareevents")}

ROLE_PERMISSIONS: dict[str, set[tuple[str, str]]] = {
    EDITOR: _all_model_permissions() | {("claims", "view_draft")} | HISTORY,
    # fact-checkers set statuses (change claim), relate claims and grade sources; they read the rest
    FACT_CHECKER: _view_permissions()
    | HISTORY
    | {
        ("claims", "view_draft"),
        ("claims", "change_claim"),
        ("claims", "add_claimrelation"),
        ("claims", "change_claimrelation"),
        ("claims", "delete_claimrelation"),
        ("credibility", "add_sourcerating"),
        ("credibility", "change_sourcerating"),
    },
    CONSUMER: set(),
}


@transaction.atomic
def roles_ensure() -> dict[str, Group]:
    """Create the role groups with exactly their permissions; running it again changes nothing."""
    named = set().union(*ROLE_PERMISSIONS.values())
    # every permission a role names, in one query (one a permission took 0.1 s a call)
    found = {
        (permission.content_type.app_label, permission.codename): permission
        for permission in Permission.objects.select_related("content_type").filter(
            content_type__app_label__in={app for app, _ in named}, codename__in={code for _, code in named}
        )
    }
    if missing := sorted(named - found.keys()):
        raise Permission.DoesNotExist(f"no permission {', '.join(f'{a}.{c}' for a, c in missing)}")
    groups = {}
    for name, wanted in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set([found[key] for key in sorted(wanted)])
        groups[name] = group
    return groups

"""The fact-checker's desk: the queue of claims that need judging, and rating a source where the
question arises (registered on the admin site by `apps.credibility.admin`).

The queue reads through `desk_queue`; its writes (assign, judge) go through `claim_judge` with the
version the row was read at, and a rating through `source_rating_create`, as the API's do.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from apps.claims.models import JUDGES_ONLY, Claim, Credibility
from apps.claims.selectors import claim_judges
from apps.claims.services import claim_judge
from apps.core.admin_helpers import BidiTextarea
from apps.core.admin_paginator import EstimatedCountPaginator
from apps.core.journal import describe_grade_moves, grade_moves
from apps.core.models import RowDeleted, VersionConflict
from apps.credibility.models import SourceRating
from apps.credibility.selectors import DESK_QUEUES, claims_with_regrading, desk_queue, track_records
from apps.credibility.services import claims_resting_on, source_rating_create
from apps.entities.models import Entity

PAGE_SIZE = 25
QUEUE_COUNT_CAP = 1000  # a tab's count stops there ("1,000+"): the desk is read, not tallied


def is_fact_checker(user) -> bool:
    """Judges claims but does not write them: the desk is their landing page."""
    return user.is_active and user.has_perm("claims.change_claim") and not user.has_perm("claims.add_claim")


class DeskFilterForm(forms.Form):
    queue = forms.ChoiceField(choices=list(DESK_QUEUES.items()), required=False)
    q = forms.CharField(required=False, max_length=200, label="Claim number or words")
    assignee = forms.ChoiceField(required=False, label="Assigned to")
    days = forms.IntegerField(
        min_value=1, max_value=365, required=False, initial=14, label="Regraded in the last … days"
    )
    grade = forms.TypedChoiceField(
        choices=[("", "any grade"), *Credibility.choices], coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        people = [(str(u.pk), u.get_full_name() or u.get_username()) for u in claim_judges()]
        self.fields["assignee"].choices = [("", "anyone"), ("me", "me"), ("none", "no one"), *people]


class JudgeForm(forms.Form):
    """One claim's judgement from the queue: as of the version the row showed."""

    claim = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=Claim.Status.choices)
    status_note = forms.CharField(
        required=False,
        widget=BidiTextarea(rows=3),
        label="Note",
        help_text="Why: what the verdict rests on.",
    )


class AssignForm(forms.Form):
    claim = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    assignee = forms.CharField(required=False)  # a user's id, "me", or empty for no one


class RatingForm(forms.ModelForm):
    class Meta:
        model = SourceRating
        fields = ["grade", "rationale"]
        widgets = {"grade": forms.RadioSelect, "rationale": BidiTextarea(rows=4)}
        help_texts = {"rationale": "Required: the record the grade rests on, for the next fact-checker."}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = SourceRating.Grade.choices  # a grade is chosen: no blank one


def _back(request: HttpRequest, default: str) -> str:
    """Where to go after a write: the `next` the page was opened with, if it is ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return default


def desk_view(admin_site, request: HttpRequest) -> HttpResponse:
    """The queue: GET lists, POST assigns or judges one claim and comes back to the same list."""
    user = request.user
    if not user.has_perm("claims.view_claim"):
        raise PermissionDenied
    if request.method == "POST":
        return _desk_write(request)
    form = DeskFilterForm(request.GET or None)
    form.is_valid()  # the valid filters apply (`cleaned_data` holds them); the others are said above
    filters = form.cleaned_data if form.is_bound else {}
    queue = filters.get("queue") or "all"
    days = filters.get("days") or 14
    since = timezone.now() - datetime.timedelta(days=days)
    common = {
        "user": user,
        "assignee": filters.get("assignee") or "",
        "since": since,
        "grade": filters.get("grade"),
        "text": filters.get("q") or "",
    }
    # each row says whether its grade waits for a background regrade, in the page's own query
    claims = claims_with_regrading(desk_queue(queue=queue, **common))
    paginator = EstimatedCountPaginator(claims, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    tabs = []
    for key, label in DESK_QUEUES.items():
        found = desk_queue(queue=key, **common).order_by().values("pk")[: QUEUE_COUNT_CAP + 1].count()
        query = request.GET.copy()
        query["queue"] = key
        query.pop("page", None)
        tabs.append(
            {
                "key": key,
                "label": label,
                "count": f"{QUEUE_COUNT_CAP:,}+" if found > QUEUE_COUNT_CAP else f"{found:,}",
                "url": "?" + query.urlencode(),
                "current": key == queue,
            }
        )
    may_judge = user.has_perm("claims.change_claim")
    rows = [
        {
            "claim": claim,
            "judge": JudgeForm(
                initial={
                    "claim": claim.pk,
                    "version": claim.version,
                    "status": claim.status,
                    "status_note": claim.status_note,
                },
                prefix=f"c{claim.pk}",
            ),
            "conflicts": (claim.credibility_explanation or {}).get("conflicts", []),
        }
        for claim in page.object_list
    ]
    context = {
        **admin_site.each_context(request),
        "title": "The desk: claims that need judging",
        "opts": Claim._meta,
        "form": form,
        "tabs": tabs,
        "queue": queue,
        "queue_label": DESK_QUEUES[queue],
        "days": days,
        "page": page,
        "rows": rows,
        "may_judge": may_judge,
        "here": request.get_full_path(),
    }
    return TemplateResponse(request, "admin/credibility/desk.html", context)


def _desk_write(request: HttpRequest) -> HttpResponseRedirect:
    back = _back(request, reverse("admin:claims_claim_desk"))
    if not request.user.has_perm("claims.change_claim"):
        raise PermissionDenied
    action = request.POST.get("action")
    form = AssignForm(request.POST) if action == "assign" else None
    if action == "judge":
        prefix = f"c{request.POST.get('claim', '')}"
        form = JudgeForm(request.POST, prefix=prefix if prefix[1:].isdigit() else None)
    if form is None or not form.is_valid():
        errors = "; ".join(f"{name}: {' '.join(e)}" for name, e in (form.errors.items() if form else []))
        messages.error(request, f"Nothing was changed: {errors or 'the form was not understood.'}")
        return HttpResponseRedirect(back)
    data = form.cleaned_data
    claim = Claim.objects.visible_to(request.user).filter(pk=data["claim"]).first()
    if claim is None:
        messages.error(request, f"Claim #{data['claim']} does not exist (any more).")
        return HttpResponseRedirect(back)
    try:
        with grade_moves() as moves:
            if action == "assign":
                claim_judge(
                    claim=claim, version=data["version"], assignee=_assignee(request, data["assignee"])
                )
                who = claim.assignee.get_username() if claim.assignee else "no one"
                messages.success(request, f"#{claim.pk} is assigned to {who}.")
            else:
                claim_judge(
                    claim=claim, version=data["version"], status=data["status"], note=data["status_note"]
                )
                messages.success(request, f"#{claim.pk} is now {claim.get_status_display().lower()}.")
    except (VersionConflict, RowDeleted):
        messages.error(
            request,
            f"#{claim.pk} was changed by someone else since this page was opened: nothing was changed. "
            "Here it is as it is now.",
        )
    except ValidationError as error:
        messages.error(request, f"#{claim.pk} was not changed: {' '.join(error.messages)}")
    if moves:
        messages.warning(request, describe_grade_moves(moves))
    return HttpResponseRedirect(back)


def _assignee(request: HttpRequest, value: str):
    if value == "":
        return None
    if value == "me":
        return request.user
    found = claim_judges().filter(pk=int(value)).first() if value.isdigit() else None
    if found is None:
        raise ValidationError(JUDGES_ONLY)
    return found


def rate_view(admin_site, request: HttpRequest, object_id: int) -> HttpResponse:
    """Rate a source (A–F with its rationale) from wherever "(unrated)" or a grade is shown; the
    claims resting on it are regraded, and the page it came from says which moved."""
    if not request.user.has_perm("credibility.add_sourcerating"):
        raise PermissionDenied
    entity = get_object_or_404(Entity, pk=object_id)
    entity_page = reverse("admin:entities_entity_change", args=[entity.pk])
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with grade_moves() as moves:
            rating = source_rating_create(
                entity=entity,
                grade=form.cleaned_data["grade"],
                rationale=form.cleaned_data["rationale"],
                by=request.user,
            )
        messages.success(request, f"{entity.name} is now rated {rating.grade}.")
        if moves or moves.queued:
            # a fan-out on the task queue is said as a count: its moves are not known yet
            messages.warning(request, describe_grade_moves(moves))
        else:
            messages.info(request, "No claim's grade moved.")
        return HttpResponseRedirect(_back(request, entity_page))
    history = (
        SourceRating.objects.filter(entity=entity).select_related("rated_by").order_by("-rated_at", "-id")
    )
    context = {
        **admin_site.each_context(request),
        "title": f"Rate {entity.name}",
        "opts": Entity._meta,
        "entity": entity,
        "form": form,
        "history": history,
        "track": track_records(entity_ids=[entity.pk])[entity.pk],
        "resting": len(claims_resting_on([entity.pk])),
        "next": _back(request, entity_page),
        "entity_page": entity_page,
    }
    return TemplateResponse(request, "admin/credibility/rate.html", context)


def rate_url(entity_id: int, next_url: str = "") -> str:
    """The rating page of an entity, coming back to `next_url` when given."""
    url = reverse("admin:entities_entity_rate", args=[entity_id])
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def landing_view(admin_site, request: HttpRequest) -> HttpResponse:
    """The admin's front page: a fact-checker lands on the desk (`?all=1` is the admin's index)."""
    if is_fact_checker(request.user) and "all" not in request.GET:
        return HttpResponseRedirect(reverse("admin:claims_claim_desk"))
    return admin_site.index(request)

"""The timeline: every quote of some claims on one time axis, at the date it was said as precisely as
that is known, grouped by independent source, over each claim's validity period."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import dateformat
from django.utils.translation import get_language_bidi

from apps.claims.models import Attestation, Claim
from apps.core.models import date_span
from apps.credibility.pictures.groups import (
    HEDGED,
    OPINION,
    RootGroupRef,
    date_as_published,
    group_of,
    root_groups,
    shorten,
)
from apps.credibility.pictures.svg import Text, legend_items, rounded, text_lines, wrap


@dataclass
class TimelineMark:
    """One quote at the date it was said: its own date, else its document's; a month or a year
    known only as such is the whole of it (`start` 1 January, `end` 31 December), not its first day."""

    attestation_id: int
    stance: str
    modality: str
    start: datetime.date | None
    end: datetime.date | None
    precision: str
    date_display: str
    document: str
    outlet: str
    speaker: str
    quote: str
    group: RootGroupRef

    @property
    def dated(self) -> bool:
        return self.start is not None

    @property
    def is_span(self) -> bool:
        return self.dated and self.start != self.end

    @property
    def excerpt(self) -> str:
        return shorten(self.quote)

    @property
    def hover(self) -> str:
        said = f"said by {self.speaker}" if self.speaker else "the document's own voice"
        return "\n".join(
            [
                f"{self.date_display or 'date unknown'} · {self.stance}"
                + (f" ({self.modality})" if self.modality != Attestation.Modality.ASSERTED else ""),
                f"{self.outlet or 'outlet unknown'} · {said}",
                f"independent source: {self.group.name}",
                f"«{self.excerpt}»",
            ]
        )


@dataclass
class TimelineRow:
    """The quotes of one claim that rest on one independent source."""

    group: RootGroupRef
    marks: list[TimelineMark] = field(default_factory=list)


@dataclass
class TimelineLane:
    claim: Claim
    period: tuple  # (first day, last day), None for an open end; (None, None): no period given
    period_display: str
    rows: list[TimelineRow]

    @property
    def has_period(self) -> bool:
        return self.period != (None, None)

    @property
    def marks(self) -> list[TimelineMark]:
        return [m for row in self.rows for m in row.marks]


@dataclass
class Timeline:
    """One lane per claim on one time axis from `first` to `last` (None when nothing is dated)."""

    lanes: list[TimelineLane]
    first: datetime.date | None
    last: datetime.date | None


def claim_timeline(*, claims: Sequence[Claim], user) -> Timeline:
    """The quotes of these claims (those this user may see, in the order given) on one time axis,
    each claim's grouped by the independent root its stored explanation gives them. Two queries."""
    ids = [claim.pk for claim in claims]
    rows = (
        Claim.objects.visible_to(user)
        .filter(pk__in=ids)
        .prefetch_related(
            # each mark shows its document (title, date, outlet) and its speaker
            Prefetch(
                "attestations",
                queryset=Attestation.objects.select_related("document__outlet", "speaker").order_by(
                    "document__published", "document_id", "start", "id"
                ),
            )
        )
    )
    by_id = {claim.pk: claim for claim in rows}
    lanes, days = [], []
    for pk in dict.fromkeys(ids):
        if pk not in by_id:
            continue
        claim = by_id[pk]
        groups, of = root_groups(claim)
        marks: dict[str, list[TimelineMark]] = {}
        for a in claim.attestations.all():
            stated, precision = a.stated
            start, end = date_span(stated, precision)
            group = group_of(a, groups, of)
            marks.setdefault(group.key, []).append(
                TimelineMark(
                    attestation_id=a.pk,
                    stance=a.stance,
                    modality=a.modality,
                    start=start,
                    end=end,
                    precision=precision if stated else "",
                    date_display=date_as_published(stated, precision),
                    document=a.document.title,
                    outlet=a.document.outlet.name if a.document.outlet_id else "",
                    speaker=a.speaker.name if a.speaker_id else "",
                    quote=a.quote,
                    group=group,
                )
            )
            days += [d for d in (start, end) if d]
        period = claim.period
        days += [d for d in period if d]
        lane_rows = [TimelineRow(g, sorted(marks[g.key], key=_mark_order)) for g in groups if g.key in marks]
        lanes.append(TimelineLane(claim, period, claim.period_display, lane_rows))
    return Timeline(lanes=lanes, first=min(days, default=None), last=max(days, default=None))


def _mark_order(mark: TimelineMark) -> tuple:
    return (mark.start is None, mark.start or datetime.date.min, mark.attestation_id)


TRACK, MARK_H, LINE = 15, 10, 13


def _axis(first: datetime.date | None, last: datetime.date | None):
    """The axis's first and last day and its ticks (day, label): years, or months when short."""
    today = datetime.date.today()
    first, last = first or last or today, last or first or today
    if (last - first).days > 2 * 366:
        lo, hi = datetime.date(first.year, 1, 1), datetime.date(last.year, 12, 31)
        return lo, hi, [(datetime.date(y, 1, 1), str(y)) for y in range(lo.year, hi.year + 1)]
    lo = first.replace(day=1)
    hi = last.replace(day=calendar.monthrange(last.year, last.month)[1])
    months, day = [], lo
    while day <= hi:
        months.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    every = 1 if len(months) <= 8 else 3 if len(months) <= 24 else 6
    ticks = [
        (m, dateformat.format(m, "M Y" if (i == 0 or m.month == 1) else "M"))
        for i, m in enumerate(months)
        if (m.month - 1) % every == 0 or i == 0
    ]
    return lo, hi, ticks


def _period_end(day: datetime.date, yearly: bool) -> datetime.date:
    if yearly:
        return datetime.date(day.year, 12, 31)
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def timeline_layout(timeline: Timeline, *, width: int = 880, rtl: bool = False, uid: str = "t") -> dict:
    """Coordinates for `timeline.svg.html`: time flows right to left when `rtl`."""
    gutter, undated_w, pad = min(230, int(width * 0.25)), 78, 10
    axis_w = width - gutter - undated_w - 3 * pad
    # left to right: root names | axis | date unknown; mirrored for a right-to-left language
    axis_x0 = undated_w + 2 * pad if rtl else gutter + pad
    undated_x = pad if rtl else width - undated_w - pad
    gutter_x0 = width - gutter if rtl else 0
    lo, hi, ticks = _axis(timeline.first, timeline.last)
    yearly = all(day.month == 1 for day, _ in ticks) and (hi - lo).days > 2 * 366
    span = (hi - lo).days + 1

    def x(day: datetime.date, end: bool = False) -> float:
        share = ((day - lo).days + (1 if end else 0)) / span
        return rounded(axis_x0 + (1 - share if rtl else share) * axis_w)

    top = 34
    # a year's (or month's) label in its middle: the bars below span it
    texts = [
        Text((x(day) + x(_period_end(day, yearly), end=True)) / 2, 14, label, "middle", "ct-tick")
        for day, label in ticks
    ]
    texts.append(Text(undated_x + undated_w / 2, 14, "date unknown", "middle", "ct-tick"))
    grid = [x(day) for day, _ in ticks]
    lanes, marks, bands, rules = [], [], [], []
    y = top
    for lane in timeline.lanes:
        claim = lane.claim
        header = f"#{claim.pk} {claim.statement}"
        holds = f"holds: {lane.period_display}" if lane.has_period else "period: not given"
        header_x0, header_x1 = (pad + 160, width - pad) if rtl else (pad, width - pad - 160)
        texts += text_lines(header_x0, header_x1, y + 14, wrap(header, width - 180, 12, 1), LINE, "ct-lane")
        texts.append(Text(pad if rtl else width - pad, y + 14, holds, "left" if rtl else "right", "ct-quiet"))
        rules.append(rounded(y))
        y += 22
        lane_top = y
        for row in lane.rows:
            label = wrap(row.group.short, gutter - 2 * pad, 11, 3)
            tracks: list[float] = []
            placed, spans = [], []
            for mark in row.marks:
                if not mark.dated:
                    continue
                a, b = sorted((x(mark.start), x(mark.end, end=True)))
                if mark.is_span and b - a > 5:  # two spans side by side (2023, 2024) read as two
                    a, b = a + 1, b - 1
                if b - a < 4:  # a day is a dot of 10 px; a short span keeps a visible width
                    a, b = (a + b) / 2 - 2, (a + b) / 2 + 2
                spans.append((mark, a, b))
            # packed into tracks from the left, whichever way time runs
            for mark, a, b in sorted(spans, key=lambda span: span[1]):
                left, right = (a - 5, b + 5) if not mark.is_span else (a, b)
                track = next((i for i, end in enumerate(tracks) if end + 1 < left), None)
                if track is None:
                    tracks.append(right)
                    track = len(tracks) - 1
                tracks[track] = right
                placed.append((mark, a, b, track))
            undated = [m for m in row.marks if not m.dated]
            per_line = max(1, int((undated_w - 4) // 14))
            undated_lines = -(-len(undated) // per_line)
            height = max(len(tracks) * TRACK, undated_lines * TRACK, len(label) * LINE) + 8
            css = f"ct-row-{row.group.stance}"
            texts += text_lines(
                gutter_x0 + pad, gutter_x0 + gutter - pad, y + 13, label, LINE, f"ct-rowlabel {css}"
            )
            for mark, a, b, track in placed:
                cy = y + 4 + track * TRACK + TRACK / 2
                shape = _mark_shape(mark, a, b, cy)
                marks.append(shape)
            for i, mark in enumerate(undated):
                col, line = i % per_line, i // per_line
                cx = undated_x + 8 + col * 14 if not rtl else undated_x + undated_w - 8 - col * 14
                marks.append(
                    _mark_shape(mark, cx - 5, cx + 5, y + 4 + line * TRACK + TRACK / 2, undated=True)
                )
            y += height
            rules.append(rounded(y))
        if not lane.rows:
            texts.append(Text(gutter_x0 + pad, y + 13, "no quote yet", "left", "ct-quiet"))
            y += 20
        if lane.has_period:
            start, end = lane.period
            a = x(start) if start else (axis_x0 + axis_w if rtl else axis_x0)
            b = x(end, end=True) if end else (axis_x0 if rtl else axis_x0 + axis_w)
            a, b = sorted((a, b))
            bands.append(
                {
                    "x": rounded(a),
                    "y": rounded(lane_top),
                    "width": rounded(max(b - a, 2)),
                    "height": rounded(max(y - lane_top, 8)),
                    "start": start.isoformat() if start else "",
                    "end": end.isoformat() if end else "",
                    "title": f"#{claim.pk} holds over {lane.period_display}",
                }
            )
        lanes.append({"claim": claim, "top": lane_top, "bottom": y})
        y += 8
    legend, legend_height = _timeline_legend(width, y + 10, rtl)
    height = y + 10 + legend_height
    return {
        "id": f"ct-timeline-{uid}",
        "width": width,
        "height": rounded(height),
        "axis": {
            "x0": rounded(min(axis_x0, axis_x0 + axis_w)),
            "x1": rounded(axis_x0 + axis_w),
            "y": top - 6,
        },
        "undated": {"x": undated_x, "width": undated_w, "height": rounded(y - 8 - (top - 6))},
        "grid": grid,
        "grid_top": top - 6,
        "grid_bottom": rounded(y - 8),
        "texts": texts,
        "marks": marks,
        "bands": bands,
        "rules": rules,
        "legend": legend,
        "timeline": timeline,
        "first": lo,
        "last": hi,
    }


def _mark_css(stance: str, modality: str) -> str:
    css = f"ct-mark ct-{stance}"
    if modality == OPINION:
        css += " ct-opinion"
    elif modality == HEDGED:
        css += " ct-hedged"
    return css


def _mark_shape(mark: TimelineMark, a: float, b: float, cy: float, undated: bool = False) -> dict:
    shape = {
        "mark": mark,
        "css": _mark_css(mark.stance, mark.modality) + (" ct-undated" if undated else ""),
        "start": mark.start.isoformat() if mark.start else "",
        "end": mark.end.isoformat() if mark.end else "",
    }
    if undated:
        return {
            **shape,
            "kind": "rect",
            "x": rounded(a),
            "y": rounded(cy - 5),
            "width": 10,
            "height": 10,
            "rx": 0,
        }
    if not mark.is_span:
        return {**shape, "kind": "circle", "cx": rounded((a + b) / 2), "cy": rounded(cy), "r": 5}
    return {
        **shape,
        "kind": "rect",
        "x": rounded(a),
        "y": rounded(cy - MARK_H / 2),
        "width": rounded(b - a),
        "height": MARK_H,
        "rx": 2,
    }


def _timeline_legend(width: int, y: float, rtl: bool) -> tuple[list[dict], float]:
    items = [
        ("circle", "ct-mark ct-affirms", "affirms: said on that day"),
        ("bar", "ct-mark ct-affirms", "a month or a year: the whole of it"),
        ("circle", "ct-mark ct-denies", "denies"),
        ("circle", "ct-mark ct-affirms ct-hedged", "hedged"),
        ("circle", "ct-mark ct-affirms ct-opinion", "opinion"),
        ("square", "ct-mark ct-affirms ct-undated", "date unknown"),
        ("band", "ct-band", "the period the claim holds over"),
    ]
    return legend_items(items, width, y, rtl)


def render_timeline(timeline: Timeline, *, width: int = 880, uid: str = "t") -> str:
    """The timeline as inline SVG with its text alternative; right to left in a bidi language."""
    layout = timeline_layout(timeline, width=width, rtl=get_language_bidi(), uid=uid)
    return render_to_string("admin/credibility/timeline.svg.html", {"t": layout})

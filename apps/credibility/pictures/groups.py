"""What the pictures share: a claim's root groups as its stored explanation weighed them, and dates
and quotes in words."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import dateformat

from apps.claims.models import Attestation, Claim
from apps.core.models import DatePrecision
from apps.credibility.selectors import root_group_name

AFFIRMS, DENIES = Attestation.Stance.AFFIRMS, Attestation.Stance.DENIES
HEDGED, OPINION = Attestation.Modality.HEDGED, Attestation.Modality.OPINION

# how the grade used a root group; only COUNTED is counted toward the grade as an independent source
COUNTED, RATED_LOW, INTERESTED, HEDGED_ONLY, OPINIONS, UNGRADED = (
    "counted", "rated-low", "interested", "hedged", "opinion", "ungraded",
)  # fmt: skip
ROLE_WORDS = {
    COUNTED: "counted toward the grade",
    RATED_LOW: "not counted: rated D or E",
    INTERESTED: "the claim's own subject: not weighed against independent sources",
    HEDGED_ONLY: "hedged: cannot confirm",
    OPINIONS: "an opinion: shown, never counted",
    UNGRADED: "added since the last grading: not yet weighed",
}
EXCERPT = 80


@dataclass(frozen=True)
class RootGroupRef:
    """One independent source as the claim's stored explanation weighed it: a family as the quotes
    name it (`root`: type, id, name), or an opinion's root, or "not yet graded"."""

    key: str
    stance: str
    name: str  # as the comparison names it: the family, the members quoted, what it is weighed as
    root: dict | None
    reliability: str | None
    role: str
    members: tuple[int, ...] = ()
    family: str = ""  # the family and the members its quotes name: "United States — Mike Pompeo"
    interested: bool = False  # the claim's own subject speaking about itself
    hedged: bool = False  # every report of it hedged

    def _also(self) -> list[str]:
        """What else marks it besides its role: a source rated D or E may be interested too."""
        also = ["the claim's own subject"] if self.interested and self.role != INTERESTED else []
        return also + (["hedged"] if self.hedged and self.role != HEDGED_ONLY else [])

    @property
    def counted(self) -> bool:
        return self.role == COUNTED

    @property
    def role_words(self) -> str:
        return "; ".join([ROLE_WORDS[self.role], *self._also()])

    @property
    def short(self) -> str:
        """The family, its rating and how the grade used it, briefly: "United Nations · B, counted"."""
        rating = self.reliability or ("unrated" if self.entity_id else "")
        role = {RATED_LOW: "not counted", INTERESTED: "own subject", UNGRADED: "not yet graded"}.get(
            self.role, self.role
        )
        also = [w.replace("the claim's ", "") for w in self._also()]
        return f"{self.family or self.name} · {', '.join(filter(None, [rating, role, *also]))}"

    @property
    def entity_id(self) -> int | None:
        return self.root["id"] if self.root and self.root["type"] == "entity" else None


def root_groups(claim: Claim) -> tuple[list[RootGroupRef], dict[int, RootGroupRef]]:
    """The claim's root groups in the explanation's order, and the group of each attestation id."""
    explanation = claim.credibility_explanation or {}
    groups: list[RootGroupRef] = []
    of: dict[int, RootGroupRef] = {}
    for stance, key in ((AFFIRMS, "independent_affirming"), (DENIES, "independent_denying")):
        for item in explanation.get(key, []):
            root = item["root"]
            group = RootGroupRef(
                key=f"{stance}:{root['type']}:{root['id']}",
                stance=stance,
                name=root_group_name(item),
                root=root,
                reliability=item["reliability"],
                role=_role(item),
                members=tuple(m["id"] for m in item.get("members", [])),
                family=root_group_name({"root": root, "members": item.get("members", [])}),
                interested=bool(item.get("interested")),
                hedged=bool(item.get("hedged")),
            )
            groups.append(group)
            of.update((pk, group) for pk in item["attestations"])
    opinions: dict[str, RootGroupRef] = {}
    for opinion in explanation.get("opinions", []):
        root = opinion["root"]
        key = f"opinion:{opinion['stance']}:{root['type']}:{root['id']}"
        if key not in opinions:
            name = f"{root['name']} (opinion: shown, never counted)"
            opinions[key] = RootGroupRef(
                key, opinion["stance"], name, root, None, OPINIONS, (root["id"],), family=root["name"]
            )
            groups.append(opinions[key])
        of[opinion["attestation"]] = opinions[key]
    return groups, of


def _role(item: dict) -> str:
    """How the grade used an explanation's root group (docs/credibility.md E0, E8, E6)."""
    if not item["counted"]:
        return RATED_LOW
    if item.get("interested"):
        return INTERESTED
    if item.get("hedged"):
        return HEDGED_ONLY
    return COUNTED


def _ungraded(stance: str) -> RootGroupRef:
    return RootGroupRef(f"ungraded:{stance}", stance, "not yet graded", None, None, UNGRADED)


def group_of(attestation: Attestation, groups: list[RootGroupRef], of: dict) -> RootGroupRef:
    """Its group; one "not yet graded" per stance for quotes added since the last regrade."""
    if attestation.pk in of:
        return of[attestation.pk]
    group = _ungraded(attestation.stance)
    if group not in groups:
        groups.append(group)
    return group


def date_as_published(value: datetime.date | None, precision: str) -> str:
    """A date as precisely as it is known, in words: "5 June 2021", "June 2023", "2023"."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return str(value.year)
    if precision == DatePrecision.MONTH:
        return dateformat.format(value, "F Y")
    return dateformat.format(value, "j F Y")


def shorten(text: str, limit: int = EXCERPT) -> str:
    """Its first `limit` characters, whitespace made single, cut with "…"."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

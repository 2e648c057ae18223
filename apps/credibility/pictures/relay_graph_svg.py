"""The relay graph drawn: boxes in columns placed in Python (no script), the edges routed between
them, the independent sources split into those counted toward the grade and those that are not."""

from __future__ import annotations

from itertools import pairwise

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language_bidi

from apps.credibility.desk import rate_url
from apps.credibility.pictures.groups import AFFIRMS, HEDGED, OPINION
from apps.credibility.pictures.relay_graph import (
    COLUMN_TITLES,
    DOCUMENTS,
    FAMILIES,
    RELAYS,
    ROOTS,
    SPEAKERS,
    GraphNode,
    RelayChain,
    RelayGraph,
)
from apps.credibility.pictures.svg import Text, legend_items, rounded, text_lines, wrap

NODE_FONT, NODE_LINE, NODE_GAP = 11.5, 14, 10


def relay_graph_layout(
    graph: RelayGraph, *, width: int = 880, rtl: bool = False, next_path: str = "", compact: bool = False
) -> dict:
    """Coordinates for `relay_graph.svg.html`: columns left to right (right to left when `rtl`), the
    independent sources split into those counted toward the grade and those that are not.

    `compact` (a narrow column): speakers are named in their documents' boxes and roots in their
    sources' boxes, leaving three columns: document, relayed from, independent source."""
    nodes = graph.nodes
    hidden = (SPEAKERS, ROOTS) if compact else ()
    extra: dict[str, list[str]] = {}
    for chain in graph.chains:
        for key in chain.keys:
            if nodes[key].column in hidden:
                named = (
                    f"said by {nodes[key].label}"
                    if nodes[key].column == SPEAKERS
                    else f"via {nodes[key].label}"
                )
                extra.setdefault(chain.keys[0 if nodes[key].column == SPEAKERS else -1], []).append(named)
    chains = [[k for k in chain.keys if nodes[k].column not in hidden] for chain in graph.chains]
    columns = sorted({nodes[k].column for keys in chains for k in keys})
    gap = 30 if compact else 34
    col_w = (width - 20 - gap * (len(columns) - 1)) / max(len(columns), 1)
    slot = {column: i for i, column in enumerate(columns)}

    def col_x(column: int) -> float:
        left = 10 + slot[column] * (col_w + gap)
        return width - left - col_w if rtl else left

    boxes: dict[str, dict] = {}
    for key in dict.fromkeys(k for keys in chains for k in keys):
        boxes[key] = _box(nodes[key], col_w, extra.get(key, []), next_path)
    # an edge across columns passes each column between on a waypoint of its own, placed like a box,
    # so that it never runs behind a box it has nothing to do with
    column_of = {key: nodes[key].column for key in boxes}
    successors: dict[str, list[str]] = {}
    edges: dict[tuple[str, str], list[RelayChain]] = {}
    starts: dict[str, set[str]] = {}  # the documents whose quotes pass through each box
    for chain, keys in zip(graph.chains, chains, strict=True):
        for a, b in pairwise(keys):
            route = [a]
            for column in columns:
                if column_of[a] < column < column_of[b]:
                    waypoint = f"~{a}>{b}@{column}"
                    column_of[waypoint] = column
                    boxes.setdefault(waypoint, {"node": None, "h": 6, "y": 0.0, "waypoint": True})
                    route.append(waypoint)
            route.append(b)
            for key in route:
                starts.setdefault(key, set()).add(keys[0])
            for one, other in pairwise(route):
                successors.setdefault(one, [])
                if other not in successors[one]:
                    successors[one].append(other)
            edges.setdefault(tuple(route), []).append(chain)

    in_column = {c: [k for k in boxes if column_of[k] == c] for c in columns}
    sources = [node.key for node in graph.groups if node.key in boxes]  # in the explanation's order
    counted = [k for k in sources if nodes[k].group.counted]
    others = [k for k in sources if not nodes[k].group.counted]
    roots = in_column.get(ROOTS, [])

    def only_counted(key: str) -> bool:
        return all(s in counted or only_counted(s) for s in successors.get(key, [])) and key not in others

    counted_roots = [k for k in roots if only_counted(k)]
    other_roots = [k for k in roots if k not in counted_roots]
    band_columns = [c for c in (ROOTS, FAMILIES) if c in slot]
    band_w = len(band_columns) * col_w + (len(band_columns) - 1) * gap + 12 if band_columns else 0
    labels = [
        wrap("Counted toward the grade" + ("" if counted else ": none"), band_w - 16, 10.5, 2),
        wrap("Not counted as independent confirmation", band_w - 16, 10.5, 2),
    ]
    top = 24 + (8 + 13 * len(labels[0]) if band_columns else 0)
    ties: dict[str, float] = {}
    # twice: boxes that lead to the same place are then ordered as the documents leading to them are
    for _ in range(2):
        _stack(boxes, counted, top)
        _barycentre(boxes, counted_roots, successors, top, ties)
        band1_bottom = max([boxes[k]["y"] + boxes[k]["h"] for k in counted + counted_roots], default=top + 6)
        band2_top = band1_bottom + 20 + 13 * len(labels[1])
        _stack(boxes, others, band2_top)
        _barycentre(boxes, other_roots, successors, band2_top, ties)
        for column in (RELAYS, SPEAKERS, DOCUMENTS):
            _barycentre(boxes, in_column.get(column, []), successors, top, ties)
        ties = {
            key: sum(boxes[d]["y"] + boxes[d]["h"] / 2 for d in documents) / len(documents)
            for key, documents in starts.items()
        }
    bottom = max([b["y"] + b["h"] for b in boxes.values()], default=top) + 10
    bands = []
    if band_columns:
        band_x = min(col_x(c) for c in band_columns) - 6
        regions = [("ct-band-counted", top, band1_bottom, labels[0])]
        if others or other_roots:
            regions.append(("ct-band-other", band2_top, bottom - 6, labels[1]))
        for css, first, last, label in regions:
            y = first - 8 - 13 * len(label)
            texts = text_lines(band_x + 8, band_x + band_w - 8, y + 14, label, 13, "ct-bandlabel")
            if rtl:  # the words start on the right, like the columns
                texts = [Text(band_x + band_w - 8, t.y, t.text, "right", t.css) for t in texts]
            bands.append(
                {
                    "css": css,
                    "x": rounded(band_x),
                    "y": rounded(y),
                    "w": rounded(band_w),
                    "h": rounded(last - y + 6),
                    "texts": texts,
                }
            )
        bottom = max(bottom, band1_bottom + 14)
    for key, box in boxes.items():
        box["x"] = rounded(col_x(column_of[key]))
        box["w"] = rounded(col_w)
        if not box.get("waypoint"):
            _box_texts(box, col_w)
    headers = [Text(col_x(c) + col_w / 2, 14, COLUMN_TITLES[c], "middle", "ct-colhead") for c in columns]
    lines = [_edge([boxes[k] for k in route], chains_on, rtl) for route, chains_on in edges.items()]
    legend, legend_height = _graph_legend(width, bottom + 4, rtl)
    return {
        "id": f"ct-relays-{graph.claim.pk}{'-c' if compact else ''}",
        "width": width,
        "height": rounded(bottom + 4 + legend_height),
        "boxes": [box for box in boxes.values() if not box.get("waypoint")],
        "edges": lines,
        "bands": bands,
        "headers": headers,
        "legend": legend,
        "graph": graph,
        "groups": [(boxes[k], [_steps(graph, chain) for chain in graph.chains_to(k)]) for k in sources],
    }


STEP_WORDS = ["in", "said by", "relayed from", "root", "independent source"]


def _steps(graph: RelayGraph, chain: RelayChain) -> dict:
    """A chain in words for the text alternative: every step, with what it is."""
    steps = []
    for key in chain.keys:
        node = graph.nodes[key]
        detail = "" if node.column == SPEAKERS else node.detail
        if node.column in (ROOTS, FAMILIES) and node.rateable:
            detail = ", ".join(filter(None, [detail, f"rated {node.rating}" if node.rating else "unrated"]))
        steps.append({"role": STEP_WORDS[node.column], "label": node.label, "detail": detail})
    return {"chain": chain, "steps": steps}


def _box(node: GraphNode, col_w: float, extra: list[str], next_path: str) -> dict:
    label = wrap(node.label, col_w - 12, NODE_FONT, 3)
    details = [node.detail] if node.detail else []
    details += list(dict.fromkeys(extra))
    status = ""
    group = node.group
    if node.column in (ROOTS, FAMILIES) and node.rateable:
        status = f"rated {node.rating}" if node.rating else "unrated"
    if group is not None:
        stance = "affirms" if group.stance == AFFIRMS else "denies"
        details.append(f"{stance} · {group.role_words}")
    detail_lines = [line for d in details for line in wrap(d, col_w - 12, NODE_FONT - 1.5, 4)]
    h = 8 + len(label) * NODE_LINE + len(detail_lines) * (NODE_LINE - 2) + (NODE_LINE if status else 0)
    css = "ct-node"
    if group is not None:
        css += f" ct-source ct-{group.stance} ct-role-{group.role}"
    rate = ""
    if status == "unrated" and node.rateable and node.entity_id and next_path:
        rate = rate_url(node.entity_id, next_path)
    return {
        "node": node,
        "label": label,
        "details": detail_lines,
        "status": status,
        "rate_url": rate,
        "h": h,
        "y": 0.0,
        "css": css,
        "title": _node_title(node, details, status),
        "href": _href(node),
    }


def _href(node: GraphNode) -> str:
    if node.document_id is not None:
        return reverse("admin:documents_document_change", args=[node.document_id])
    if node.entity_id is not None:
        return reverse("admin:entities_entity_change", args=[node.entity_id])
    return ""


def _node_title(node: GraphNode, details: list[str], status: str) -> str:
    role = COLUMN_TITLES[node.column].lower()
    return "\n".join([f"{node.label} ({role})", *details, *([status] if status else [])])


def _box_texts(box: dict, col_w: float) -> None:
    x0, x1 = box["x"] + 6, box["x"] + col_w - 6
    y = box["y"] + 4 + NODE_LINE - 3
    texts = text_lines(x0, x1, y, box["label"], NODE_LINE, "ct-nodelabel")
    y += len(box["label"]) * NODE_LINE
    texts += text_lines(x0, x1, y - 1, box["details"], NODE_LINE - 2, "ct-quiet")
    y += len(box["details"]) * (NODE_LINE - 2)
    box["texts"] = texts
    if box["status"]:
        box["status_text"] = Text(
            x0, y, box["status"] + (" — rate" if box["rate_url"] else ""), "left", "ct-status"
        )
    box["y"] = rounded(box["y"])


def _stack(boxes: dict, keys: list[str], top: float) -> None:
    y = top
    for key in keys:
        boxes[key]["y"] = y
        y += boxes[key]["h"] + NODE_GAP


def _barycentre(boxes: dict, keys: list[str], successors: dict, top: float, ties: dict[str, float]) -> None:
    """Place each box level with the middle of the boxes it leads to, in that order and never
    overlapping: boxes that would overlap form a block centred on what its boxes want (no higher
    than `top`)."""

    def wanted(key: str) -> float:
        targets = [boxes[s]["y"] + boxes[s]["h"] / 2 for s in successors.get(key, [])]
        return sum(targets) / len(targets) - boxes[key]["h"] / 2 if targets else top

    blocks: list[dict] = []  # each: its boxes in order, what each wants, its top
    for key in sorted(keys, key=lambda k: (round(wanted(k)), ties.get(k, 0.0))):
        block = {"keys": [key], "wants": [wanted(key)]}
        blocks.append(block)
        while True:
            offsets, offset = [], 0.0
            for k in block["keys"]:
                offsets.append(offset)
                offset += boxes[k]["h"] + NODE_GAP
            block["height"] = offset
            block["y"] = max(
                top, sum(w - o for w, o in zip(block["wants"], offsets, strict=True)) / len(offsets)
            )
            if len(blocks) > 1 and blocks[-2]["y"] + blocks[-2]["height"] > block["y"]:
                previous = blocks[-2]
                previous["keys"] += block["keys"]
                previous["wants"] += block["wants"]
                blocks.pop()
                block = previous
                continue
            break
    for block in blocks:
        y = block["y"]
        for k in block["keys"]:
            boxes[k]["y"] = y
            y += boxes[k]["h"] + NODE_GAP


def _edge(route: list[dict], chains: list[RelayChain], rtl: bool) -> dict:
    """A curve from box to box through the waypoints between, with what runs along it."""

    def side(box: dict, out: bool) -> float:
        if box.get("waypoint"):
            return box["x"] + (box["w"] if out != rtl else 0)
        return box["x"] + box["w"] if out != rtl else box["x"]

    d = ""
    for a, b in pairwise(route):
        ax, bx = side(a, out=True), side(b, out=False)
        ay, by = a["y"] + a["h"] / 2, b["y"] + b["h"] / 2
        if a["node"] is not None and b["node"] is not None and a["node"].column == b["node"].column:
            # a relay of a relay in one column: down its side
            ax = bx = a["x"] + (0 if rtl else a["w"])
            ay, by = a["y"] + a["h"] - 4, b["y"] + 4
        if not d:
            d = f"M{rounded(ax)},{rounded(ay)}"
        elif a.get("waypoint"):
            d += f" L{rounded(ax)},{rounded(ay)}"
        mid = (ax + bx) / 2 if ax != bx else ax + (-24 if rtl else 24)
        d += f" C{rounded(mid)},{rounded(ay)} {rounded(mid)},{rounded(by)} {rounded(bx)},{rounded(by)}"
    stances = {c.stance for c in chains}
    stance = stances.pop() if len(stances) == 1 else "mixed"
    modalities = {c.modality for c in chains}
    css = f"ct-edge ct-{stance}"
    css += " ct-hedged" if modalities == {HEDGED} else " ct-opinion" if modalities == {OPINION} else ""
    n = len(chains)
    quotes = ", ".join(f"#{c.attestation_id} {c.stance}" for c in chains)
    return {
        "d": d,
        "css": css,
        "width": min(1.5 + (n - 1), 5),
        "title": f"{n} quote{'s' if n != 1 else ''}: {quotes}",
    }


def _graph_legend(width: int, y: float, rtl: bool) -> tuple[list[dict], float]:
    items = [
        ("line", "ct-edge ct-affirms", "affirms"),
        ("line", "ct-edge ct-denies", "denies"),
        ("line", "ct-edge ct-affirms ct-hedged", "hedged"),
        ("line", "ct-edge ct-affirms ct-opinion", "opinion"),
        ("box", "ct-node ct-source ct-affirms ct-role-counted", "one independent source = one confirmation"),
    ]
    return legend_items(items, width, y, rtl)


def render_relay_graph(graph: RelayGraph, *, next_path: str, width: int = 880, compact: bool = False) -> str:
    """The relay graph as inline SVG with its text alternative; "unrated" links to rating the
    source and back to `next_path`."""
    layout = relay_graph_layout(
        graph, width=width, rtl=get_language_bidi(), next_path=next_path, compact=compact
    )
    return render_to_string("admin/credibility/relay_graph.svg.html", {"g": layout})

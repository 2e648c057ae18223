"""The fact-checker's two pictures of a claim, as SVG drawn from selectors' data.

`claim_timeline` puts every quote of some claims on one time axis, each at the date it was said as
precisely as that is known; `claim_relay_graph` follows each quote of a claim through its relays to
the independent source its grade counted it under. The layouts place them in Python (the page needs
no script) and `render_timeline` / `render_relay_graph` draw them with the templates
admin/credibility/timeline.svg.html and relay_graph.svg.html, each with a text alternative.
"""

from apps.credibility.pictures.groups import RootGroupRef, date_as_published
from apps.credibility.pictures.relay_graph import (
    FAMILIES,
    GraphNode,
    RelayChain,
    RelayGraph,
    claim_relay_graph,
)
from apps.credibility.pictures.relay_graph_svg import rate_url, relay_graph_layout, render_relay_graph
from apps.credibility.pictures.timeline import (
    Timeline,
    TimelineLane,
    TimelineMark,
    TimelineRow,
    claim_timeline,
    render_timeline,
    timeline_layout,
)

__all__ = [
    "FAMILIES",
    "GraphNode",
    "RelayChain",
    "RelayGraph",
    "RootGroupRef",
    "Timeline",
    "TimelineLane",
    "TimelineMark",
    "TimelineRow",
    "claim_relay_graph",
    "claim_timeline",
    "date_as_published",
    "rate_url",
    "relay_graph_layout",
    "render_relay_graph",
    "render_timeline",
    "timeline_layout",
]

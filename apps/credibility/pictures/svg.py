"""Text in SVG: wrapped to a width, placed from the side its script starts on, and legends."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


def direction(text: str) -> str:
    """The text's own direction, by its first strong character (as dir="auto")."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def wrap(text: str, width: float, size: float, lines: int) -> list[str]:
    """The text broken into at most `lines` lines of about `width` px at font `size`, cut with "…"."""
    per_line = max(6, int(width / (size * 0.55)))
    out, line = [], ""
    for word in text.split():
        if len(word) > per_line:
            word = word[: per_line - 1] + "…"
        if not line or len(line) + 1 + len(word) <= per_line:
            line = f"{line} {word}".strip()
        else:
            out.append(line)
            line = word
    if line:
        out.append(line)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: per_line - 1].rstrip() + "…"
    return out or [""]


@dataclass
class Text:
    """A line of SVG text: placed from its visual left (`align` "left"), right or middle, in its
    own direction so that Arabic is shaped and ordered right to left."""

    x: float
    y: float
    text: str
    align: str = "left"
    css: str = ""

    @property
    def rtl(self) -> bool:
        return direction(self.text) == "rtl"

    @property
    def anchor(self) -> str:
        if self.align == "middle":
            return "middle"
        # text-anchor "start" is the side the text begins on: the right for right-to-left text
        return "start" if (self.align == "left") != self.rtl else "end"


def text_lines(
    x_left: float, x_right: float, y: float, lines: list[str], step: float, css: str = ""
) -> list[Text]:
    """Lines in a box, each from the side its script starts on."""
    rtl = direction(" ".join(lines)) == "rtl"
    return [
        Text(x_right if rtl else x_left, y + i * step, line, "right" if rtl else "left", css)
        for i, line in enumerate(lines)
    ]


def rounded(value: float) -> float:
    return round(value, 1)


def legend_items(
    items: list[tuple[str, str, str]], width: int, y: float, rtl: bool
) -> tuple[list[dict], float]:
    """Legend entries laid out in lines (mirrored when `rtl`): a symbol and its words."""
    out, x, line = [], 10, 0
    for shape, css, words in items:
        w = 28 + len(words) * 5.9 + 18
        if x + w > width - 10 and x > 10:
            x, line = 10, line + 1
        sx = width - x - 22 if rtl else x
        ty = y + line * 20 + 10
        tx = sx - 6 if rtl else sx + 28
        out.append(
            {
                "shape": shape,
                "css": css,
                "x": rounded(sx),
                "y": rounded(ty),
                "text": Text(tx, ty + 4, words, "right" if rtl else "left"),
            }
        )
        x += w
    return out, (line + 1) * 20 + 6

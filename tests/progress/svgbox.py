"""Reading a pygal SVG: the values each series plots, and where each text falls, to check
that nothing spills out of its box.

Text widths are estimated generously (0.62 em a character, wider than the digits and
lowercase letters the charts use); anchors follow pygal's stylesheet.
"""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from itertools import pairwise

SVG = "{http://www.w3.org/2000/svg}"
GLYPH_EM = 0.62
_TRANSLATE = re.compile(r"translate\(\s*([-\d.]+)[ ,]+([-\d.]+)\s*\)")
_ROTATE = re.compile(r"rotate\(\s*(-?90)[ ,]+([-\d.]+)[ ,]+([-\d.]+)\s*\)")


def plotted(svg: str) -> list[list[str]]:
    """The values each series of a pygal SVG plots, in order, as its value labels say."""
    root = ET.fromstring(svg)
    series = {}
    for group in root.iter(f"{SVG}g"):
        classes = group.get("class", "").split()
        if "series" in classes:
            index = int(next(c for c in classes if c.startswith("serie-"))[6:])
            # pygal draws each series in layers (lines, dots, labels): gather them all.
            series.setdefault(index, []).extend(
                desc.text for desc in group.iter(f"{SVG}desc") if desc.get("class") == "value"
            )
    return [series[i] for i in sorted(series)]


@dataclass(frozen=True)
class Box:
    text: str
    kind: str
    left: float
    top: float
    right: float
    bottom: float


def _size(svg: str, selector: str) -> float:
    match = re.search(re.escape(selector) + r"\{[^}]*font-size:(\d+(?:\.\d+)?)px", svg)
    return float(match.group(1))


def text_boxes(svg: str) -> tuple[tuple[float, float], list[Box]]:
    """The viewBox's (width, height) and the box of every non-empty text, in its coordinates."""
    root = ET.fromstring(svg)
    _, _, width, height = (float(n) for n in root.get("viewBox").split())
    sizes = {
        "axis": _size(svg, " .axis text"),
        "legend": _size(svg, " .legends .legend text"),
        "title": _size(svg, " .title"),
    }
    boxes: list[Box] = []

    def walk(node, dx: float, dy: float, classes: tuple[str, ...]):
        if match := _TRANSLATE.search(node.get("transform", "")):
            dx, dy = dx + float(match.group(1)), dy + float(match.group(2))
        classes = classes + tuple(node.get("class", "").split())
        if node.tag == f"{SVG}text" and (node.text or "").strip():
            boxes.append(_box(node, dx, dy, classes, sizes))
        for child in node:
            walk(child, dx, dy, classes)

    walk(root, 0.0, 0.0, ())
    return (width, height), boxes


def _box(node, dx, dy, classes, sizes) -> Box:
    text = node.text.strip()
    if "title" in node.get("class", "").split():
        kind, size, anchor = "title", sizes["title"], "middle"
    elif "legend" in classes:
        kind, size, anchor = "legend", sizes["legend"], "start"
    elif "y2" in classes:
        kind, size, anchor = "y2", sizes["axis"], "start"
    elif "y" in classes and "axis" in classes:
        kind, size, anchor = "y", sizes["axis"], "end"
    else:
        kind, size, anchor = "x", sizes["axis"], "middle"
    width = len(text) * size * GLYPH_EM
    x, y = float(node.get("x", 0)) + dx, float(node.get("y", 0)) + dy
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    corners = [(left, y - size * 0.8), (left + width, y + size * 0.25)]
    if match := _ROTATE.search(node.get("transform", "")):
        # rotate(-90 cx cy): (x, y) -> (cx + (y - cy), cy - (x - cx))
        cx, cy = float(match.group(2)) + dx, float(match.group(3)) + dy
        corners = [(cx + (py - cy), cy - (px - cx)) for px, py in corners]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return Box(text, kind, min(xs), min(ys), max(xs), max(ys))


def overflowing(svg: str) -> list[Box]:
    """The texts that reach outside the SVG's viewBox."""
    (width, height), boxes = text_boxes(svg)
    return [b for b in boxes if b.left < 0 or b.top < 0 or b.right > width or b.bottom > height]


def touching(svg: str, gap: float = 4) -> list[tuple[str, str]]:
    """Neighbouring x axis labels closer than `gap` to each other."""
    labels = sorted((b for b in text_boxes(svg)[1] if b.kind == "x"), key=lambda b: b.left)
    return [(a.text, b.text) for a, b in pairwise(labels) if b.left - a.right < gap]

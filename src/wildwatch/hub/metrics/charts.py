"""Charts as SVG, drawn by matplotlib on the server: no JavaScript in the page.

Each chart is a ``matplotlib.figure.Figure`` (never ``pyplot``: no global state, safe in threads) saved as SVG with
its text kept as text (so screen readers and tests read the labels) and a fixed hash salt (the same data gives the
same SVG). The SVG carries ``role="img"`` and a title; the page shows the same figures in a table next to it.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

Series = Sequence[tuple[date, float]]

PALETTE = ["#1f4d2b", "#b35806", "#2c7bb6", "#7b3294", "#a40000", "#4d4d4d", "#1a9850", "#d6604d"]
_RC: Any = {"svg.fonttype": "none", "svg.hashsalt": "wildwatch", "font.size": 9.0, "font.family": "DejaVu Sans"}
_XML_HEADER = re.compile(r"^.*?(?=<svg)", re.S)
_STYLE_ATTR = re.compile(r'style="([^"]*)"')
_STYLE_ELEMENT = re.compile(r"<style[^>]*>(.*?)</style>", re.S)
_RULE_BODY = re.compile(r"\*\s*\{([^}]*)\}")  # the declarations of the stylesheet's one rule, ``*{…}``
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def _escape(text: str) -> str:
    return text.translate(_ESCAPES)


def _attributes(declarations: str) -> str:
    """``fill: #fff; stroke: #000`` as SVG presentation attributes (``fill="#fff" stroke="#000"``)."""
    pairs = (d.split(":", 1) for d in declarations.split(";") if ":" in d)
    return " ".join(f'{name.strip()}="{_escape(value.strip())}"' for name, value in pairs)


def _without_inline_styles(svg: str) -> str:
    """Matplotlib's SVG, with no ``style`` attribute and no ``<style>`` element: the hub's Content-Security-Policy
    blocks both in an inline ``<svg>``. Its properties (fill, stroke…, fonts) are all presentation attributes; its
    one rule (``*{stroke-linejoin: round; stroke-linecap: butt}``) moves onto the root, whence it is inherited."""
    svg = _STYLE_ATTR.sub(lambda match: _attributes(match.group(1)), svg)
    root = _attributes(";".join(_RULE_BODY.findall("".join(_STYLE_ELEMENT.findall(svg)))))
    svg = _STYLE_ELEMENT.sub("", svg)
    return svg.replace("<svg ", f"<svg {root} ", 1) if root else svg


def _to_svg(fig: Figure, title: str, element_id: str) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context(_RC):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = _without_inline_styles(_XML_HEADER.sub("", buffer.getvalue(), count=1))
    label = _escape(title)
    ident = f' id="{_escape(element_id)}"' if element_id else ""
    return svg.replace("<svg ", f'<svg{ident} role="img" aria-label="{label}" class="chart" ', 1).replace(
        ">", f"><title>{label}</title>", 1)


def line_chart(lines: Mapping[str, Series], title: str, *, element_id: str = "", ylabel: str = "",
               empty_text: str = "No data", legend: bool | None = None) -> str:
    """One line per named series (dates on the x axis); an inline ``<svg>`` element. The legend names the series
    (by default only when there are several)."""
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(7.5, 3.2), layout="constrained")
        ax = fig.add_subplot()
        drawn = False
        for n, (name, points) in enumerate(lines.items()):
            if not points:
                continue
            xs, ys = zip(*points, strict=True)
            ax.plot(xs, ys, marker="o", markersize=3, linewidth=1.6, color=PALETTE[n % len(PALETTE)], label=name)
            drawn = True
        if not drawn:
            ax.text(0.5, 0.5, empty_text, ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
        elif legend or (legend is None and len(lines) > 1):
            ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=min(len(lines), 3))
        ax.set_title(title, loc="left", fontsize=10)
        if ylabel:
            ax.set_ylabel(ylabel)
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        if drawn:
            ax.set_ylim(bottom=0)
            days = sorted({d for points in lines.values() for d, _ in points})
            yearly = all(d.month == 1 and d.day == 1 for d in days)
            shown = days if len(days) <= 18 else days[::-(-len(days) // 12)]
            ax.set_xticks(shown, [d.strftime("%Y" if yearly else "%Y-%m") for d in shown])  # type: ignore[arg-type]
            fig.autofmt_xdate(rotation=30)
        return _to_svg(fig, title, element_id)


def bar_chart(values: Mapping[str, float], title: str, *, element_id: str = "", empty_text: str = "No data") -> str:
    """Horizontal bars, one per named value (largest on top)."""
    with matplotlib.rc_context(_RC):
        items = sorted(values.items(), key=lambda kv: kv[1])
        fig = Figure(figsize=(7.5, max(1.6, 0.35 * len(items) + 0.9)), layout="constrained")
        ax = fig.add_subplot()
        if items:
            ax.barh([k for k, _ in items], [v for _, v in items], color=PALETTE[0])
        else:
            ax.text(0.5, 0.5, empty_text, ha="center", va="center", transform=ax.transAxes)
            ax.set_yticks([])
        ax.set_title(title, loc="left", fontsize=10)
        ax.spines[["top", "right"]].set_visible(False)
        return _to_svg(fig, title, element_id)


def column_chart(labels: Sequence[str], stacks: Mapping[str, Sequence[float]], title: str, *, element_id: str = "",
                 empty_text: str = "No data", yformat: Callable[[float], str] | None = None) -> str:
    """Vertical columns, one per label (a year, say), each stacking the named series' values in order;
    ``yformat`` writes the axis' numbers (in the reader's language, say)."""
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(7.5, 3.2), layout="constrained")
        ax = fig.add_subplot()
        drawn = [(name, values) for name, values in stacks.items() if any(values)]
        if labels and drawn:
            bottom = [0.0] * len(labels)
            for n, (name, values) in enumerate(stacks.items()):
                if not any(values):
                    continue
                ax.bar(list(labels), list(values), bottom=bottom, color=PALETTE[n % len(PALETTE)], label=name)
                bottom = [b + v for b, v in zip(bottom, values, strict=True)]
            if len(drawn) > 1:
                ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=min(len(drawn), 2))
            ax.set_ylim(0, max(bottom) * (1.3 if len(drawn) > 1 else 1.05))
            ax.grid(axis="y", color="#dddddd", linewidth=0.6)
            ax.set_axisbelow(True)
            if yformat is not None:
                ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: yformat(value)))
        else:
            ax.text(0.5, 0.5, empty_text, ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
        ax.set_title(title, loc="left", fontsize=10)
        ax.spines[["top", "right"]].set_visible(False)
        return _to_svg(fig, title, element_id)


def data_uri(svg: str) -> str:
    """The SVG as a ``data:`` URI, for an ``<img>`` (the PDF renderer draws images more faithfully)."""
    document = svg if "xmlns=" in svg else svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    return "data:image/svg+xml;base64," + base64.b64encode(document.encode("utf-8")).decode("ascii")

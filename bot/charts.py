"""Charts as PNG images for Discord embeds, drawn with matplotlib (a Figure renders to
PNG with the Agg canvas; no display and no pyplot state).

Call them through `asyncio.to_thread`: drawing takes tens of milliseconds. Each chart is
an opaque card with dark text on a light grey ground and the sides' own colours, so it
reads the same on Discord's dark and light themes.
"""

from __future__ import annotations

import io
from datetime import datetime

from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure

WIDTH_PX, HEIGHT_PX, DPI = 800, 400, 100
GROUND, INK, GRID = "#f2f3f5", "#1e1f22", "#c4c9ce"
REALIST, VALUES, RATING = "#c0392b", "#2e7d32", "#5865f2"


def _figure(title: str) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor=GROUND)
    axes = figure.add_subplot()
    axes.set_facecolor(GROUND)
    axes.set_title(title, color=INK, fontsize=13, loc="left")
    axes.tick_params(colors=INK)
    axes.grid(True, color=GRID, linewidth=0.8)
    for edge in axes.spines.values():
        edge.set_color(GRID)
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    return figure, axes


def _png(figure: Figure) -> bytes:
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor=GROUND)
    return buffer.getvalue()


def rating_chart(name: str, history: list[tuple[datetime, float]]) -> bytes:
    """A member's rating after each round."""
    figure, axes = _figure(f"{name}: rating")
    when = date2num([at for at, _ in history])  # type: ignore[no-untyped-call]
    axes.plot(when, [r for _, r in history], color=RATING, linewidth=2.2, marker="o", markersize=4)
    axes.set_ylabel("rating", color=INK)
    return _png(figure)


def sides_chart(over_time: list[tuple[datetime, int, int]]) -> bytes:
    """Rounds won by each side, running totals."""
    figure, axes = _figure("Rounds won by each side")
    when = date2num([at for at, _, _ in over_time])  # type: ignore[no-untyped-call]
    axes.step(
        when,
        [r for _, r, _ in over_time],
        where="post",
        color=REALIST,
        linewidth=2.2,
        label="Realist",
    )
    axes.step(
        when,
        [v for _, _, v in over_time],
        where="post",
        color=VALUES,
        linewidth=2.2,
        label="Values",
    )
    axes.legend(facecolor=GROUND, edgecolor=GRID, labelcolor=INK, loc="upper left")
    axes.set_ylabel("rounds won", color=INK)
    return _png(figure)

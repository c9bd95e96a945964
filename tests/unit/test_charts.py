"""Charts decode as PNG images of the size Discord is sent."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from PIL import Image

from bot.charts import HEIGHT_PX, WIDTH_PX, rating_chart, sides_chart

DAYS = [datetime(2026, 11, 1, 20, tzinfo=UTC) + timedelta(days=d) for d in range(12)]


def decoded(png: bytes) -> Image.Image:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_a_rating_chart_is_a_png_of_the_expected_size() -> None:
    image = decoded(rating_chart("Ann", [(d, 3.0 + i) for i, d in enumerate(DAYS)]))
    assert image.format == "PNG" and image.size == (WIDTH_PX, HEIGHT_PX)
    # An opaque card: the corners are the light ground, whatever the client's theme.
    assert image.convert("RGB").getpixel((2, 2)) == (0xF2, 0xF3, 0xF5)


def test_a_side_chart_with_one_round_is_still_drawn() -> None:
    image = decoded(sides_chart([(DAYS[0], 1, 0)]))
    assert image.size == (WIDTH_PX, HEIGHT_PX)
    colours = {c for _, c in image.convert("RGB").getcolors(maxcolors=100_000) or []}
    assert len(colours) > 10  # lines, labels and ground, not a blank image

"""The encoding ladder gives the same JPEG whether its first rung was made ahead or not."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from tempfile import mkdtemp

from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from engine.evidence.packet.images import best_rendition, encode_within, load_image
from engine.testing import make_design_image


@cache
def design() -> Image.Image:
    return load_image(str(make_design_image(Path(mkdtemp()) / "design.png", 1600, 1200, 7)))


@settings(max_examples=12, deadline=None)
@given(budget=st.integers(min_value=1_000, max_value=800_000))
def test_a_rung_made_ahead_changes_no_byte_of_the_result(budget: int) -> None:
    image = design()
    ahead = encode_within(image, budget, best_rendition(image))
    alone = encode_within(image, budget)
    assert (ahead.data if ahead else None) == (alone.data if alone else None)

"""rastercatalog.geo.sizes: the size syntax and the sizes it gives (pure, no database)."""

from __future__ import annotations

import pytest

from rastercatalog.geo.sizes import SizePlan, SizeSpec, size_parse, size_plan


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("256x256", SizeSpec(256, 256)),
        ("75x75!", SizeSpec(75, 75, exact=True)),
        ("500x", SizeSpec(500, None)),
        ("x300", SizeSpec(None, 300)),
        ("256", SizeSpec(256, 256)),
        (" 64X32 ", SizeSpec(64, 32)),
    ],
)
def test_parse(text, spec):
    assert size_parse(text) == spec


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected WxH"),
        ("x", "expected WxH"),
        ("axb", "expected WxH"),
        ("-5x5", "expected WxH"),
        ("0x10", "at least 1 pixel"),
        ("75x!", "'!' needs both sides"),
        ("256x256 !", "expected WxH"),
    ],
)
def test_parse_refuses_with_a_reason(text, message):
    with pytest.raises(ValueError, match=message):
        size_parse(text)


@pytest.mark.parametrize(
    ("text", "source", "output"),
    [
        ("256x256", (300, 200), (256, 171)),  # fit: the width meets the box
        ("256x256", (200, 300), (171, 256)),  # fit: the height meets the box
        ("256x100", (300, 200), (150, 100)),
        ("64x64", (10, 5), (64, 32)),  # small rasters are enlarged to the box
        ("500x", (300, 200), (500, 333)),
        ("x300", (300, 200), (450, 300)),
        ("75x75!", (300, 200), (75, 75)),
        ("1x1", (100000, 3), (1, 1)),  # never a side of 0
    ],
)
def test_plan_output_size(text, source, output):
    plan = size_plan(size_parse(text), *source)

    assert (plan.width, plan.height) == output


def test_fitted_and_one_sided_sizes_read_the_whole_source():
    for text in ("256x256", "500x", "x300"):
        plan = size_plan(size_parse(text), 300, 200)
        assert (plan.left, plan.top, plan.right, plan.bottom) == (0, 0, 300, 200)


def test_exact_size_crops_the_middle_to_the_aspect_ratio():
    assert size_plan(size_parse("75x75!"), 300, 200) == SizePlan(50, 0, 250, 200, 75, 75)
    assert size_plan(size_parse("100x50!"), 300, 400) == SizePlan(0, 125, 300, 275, 100, 50)
    # Same aspect ratio as the source: nothing is cropped.
    assert size_plan(size_parse("30x20!"), 300, 200) == SizePlan(0, 0, 300, 200, 30, 20)

"""Image sizes as people write them (`256x256`, `75x75!`, `500x`, `x300`), and what they yield.

- `WxH`: fit inside W x H, keeping the aspect ratio (`256` alone means `256x256`);
- `WxH!`: exactly W x H, cropped from the middle of the raster to that aspect ratio;
- `Wx` / `xH`: that width (or height), the other side following the aspect ratio.

Pure functions, no Django: the views turn ValueError into a 400 that names the parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SIZE = re.compile(r"^(?P<width>\d+)?(?:x(?P<height>\d+)?)?(?P<exact>!)?$", re.IGNORECASE)


@dataclass(frozen=True)
class SizeSpec:
    width: int | None
    height: int | None
    exact: bool = False  # both sides given and kept exactly (cropping instead of fitting)


@dataclass(frozen=True)
class SizePlan:
    """What to render: the source pixels [left, right) x [top, bottom), to width x height."""

    left: int
    top: int
    right: int
    bottom: int
    width: int
    height: int


def size_parse(text: str) -> SizeSpec:
    """Parse `256x256`, `75x75!`, `500x`, `x300` or `256`; raise ValueError saying what is expected."""
    match = _SIZE.match(text.strip())
    expected = "expected WxH (fit), WxH! (exact, cropped), Wx or xH, e.g. 256x256"
    if not match or not (match["width"] or match["height"]):
        raise ValueError(expected)
    width = int(match["width"]) if match["width"] else None
    height = int(match["height"]) if match["height"] else None
    if "x" not in text.lower():
        height = width  # "256" is a 256x256 box
    if match["exact"] and (width is None or height is None):
        raise ValueError("'!' needs both sides, e.g. 75x75!")
    if (width is not None and width < 1) or (height is not None and height < 1):
        raise ValueError("sides must be at least 1 pixel")
    return SizeSpec(width, height, exact=bool(match["exact"]))


def size_plan(spec: SizeSpec, source_width: int, source_height: int) -> SizePlan:
    """Decide the source pixels to read and the output size for a source of the given size."""
    if spec.exact:
        return _cropped(spec.width, spec.height, source_width, source_height)
    if spec.width is not None and spec.height is not None:
        scale = min(spec.width / source_width, spec.height / source_height)
    elif spec.width is not None:
        scale = spec.width / source_width
    else:
        scale = spec.height / source_height
    width = spec.width if spec.height is None else _side(source_width * scale)
    height = spec.height if spec.width is None else _side(source_height * scale)
    if spec.width is not None and spec.height is not None:
        # One side meets its box exactly; rounding must not push the other past its own.
        width, height = min(width, spec.width), min(height, spec.height)
    return SizePlan(0, 0, source_width, source_height, width, height)


def _cropped(width: int, height: int, source_width: int, source_height: int) -> SizePlan:
    """The largest middle part of the source with the output's aspect ratio."""
    if source_width * height > source_height * width:  # the source is wider: crop its sides
        crop = _side(source_height * width / height)
        left = (source_width - crop) // 2
        return SizePlan(left, 0, left + crop, source_height, width, height)
    crop = _side(source_width * height / width)
    top = (source_height - crop) // 2
    return SizePlan(0, top, source_width, top + crop, width, height)


def _side(value: float) -> int:
    return max(1, round(value))

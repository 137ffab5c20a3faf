"""Analysis on the fly: what a client asked besides the style (band math or a terrain algorithm).

An `Analysis` turns the raster's bands into one float32 plane (NaN where there is no data), which is
then coloured like a single band with the usual `min`, `max`, `stretch`, `palette` and `scheme`.
It is part of a tile's cache token and ETag, and of the TileJSON's tile URL.

Default value ranges, when neither `min`/`max` nor `stretch` is given: hillshade 0-255, slope
0-90 (degrees), aspect 0-360 (degrees clockwise from north); an expression's own extremes
(`stretch=minmax`), computed once per raster and expression on the statistics level
(analysis_levels.py) and cached, since no statistics are stored for an expression at ingest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import AnalysisInvalid, StyleInvalid
from .expression import Expression
from .paint import Paint
from .style import TileStyle

ALGORITHMS = ("hillshade", "slope", "aspect")
DEFAULT_RANGES = {"hillshade": (0.0, 255.0), "slope": (0.0, 90.0), "aspect": (0.0, 360.0)}
DEFAULT_AZIMUTH = 315.0
DEFAULT_ALTITUDE = 45.0
DEFAULT_ZFACTOR = 1.0


@dataclass(frozen=True)
class Analysis:
    """Band math (`expression`) or a terrain `algorithm` on one band, with its options."""

    expression: Expression | None = None
    algorithm: str | None = None
    azimuth: float = DEFAULT_AZIMUTH
    altitude: float = DEFAULT_ALTITUDE
    zfactor: float = DEFAULT_ZFACTOR

    def query(self) -> dict[str, str]:
        """The analysis as query parameters, in canonical form (cache keys, URL templates)."""
        if self.expression is not None:
            return {"expression": self.expression.text}
        query = {"algorithm": self.algorithm or ""}
        if self.algorithm == "hillshade":
            query.update(azimuth=_number(self.azimuth), altitude=_number(self.altitude))
        if self.zfactor != DEFAULT_ZFACTOR:
            query["zfactor"] = _number(self.zfactor)
        return query

    def cache_token(self) -> str:
        """A stable string naming this analysis (sorted parameters)."""
        return "&".join(f"{key}={value}" for key, value in sorted(self.query().items()))

    @property
    def label(self) -> str:
        """What the result is called in responses: the expression's text or the algorithm."""
        return self.expression.text if self.expression is not None else str(self.algorithm)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def analysis_style_check(
    analysis: Analysis, style: TileStyle, *, band_count: int | None
) -> int | None:
    """Check the style given with an analysis; return the band an algorithm reads (1-based).

    `band_count` None: a mosaic, whose rasters may differ: an algorithm reads band 1 unless
    `band` says otherwise (rasters without that band take no part).
    """
    if style.style is not None:
        raise StyleInvalid(
            f"parameter style cannot be combined with {_what(analysis)}: use min, max, stretch "
            "and palette to colour the result"
        )
    if analysis.expression is not None:
        if style.bands is not None:
            raise StyleInvalid(
                "parameter band cannot be combined with expression: the expression names the "
                "bands it reads (b1, b2, ...)"
            )
        return None
    if style.stretch is not None:
        raise StyleInvalid(
            f"parameter stretch uses statistics stored for the bands, not for "
            f"algorithm={analysis.algorithm}: give min and max instead"
        )
    if style.bands is not None:
        if len(style.bands) != 1:
            raise StyleInvalid(f"{_what(analysis)} reads one band: pass a single band, e.g. band=1")
        return style.bands[0]
    if band_count is not None and band_count > 1:
        raise AnalysisInvalid(
            f"{_what(analysis)} reads one band and this raster has {band_count}: pass band=N"
        )
    return 1


def _what(analysis: Analysis) -> str:
    return "expression" if analysis.expression is not None else f"algorithm={analysis.algorithm}"


def analysis_paint(
    style: TileStyle,
    analysis: Analysis,
    *,
    expression_range: Callable[[str], tuple[float, float]],
) -> Paint:
    """How to colour the result plane: `expression_range(stretch)` gives an expression's range."""
    if style.minimum is not None and style.maximum is not None:
        low, high = style.minimum[0], style.maximum[0]
    else:
        if analysis.algorithm is not None:  # analysis_style_check refused a stretch
            default_low, default_high = DEFAULT_RANGES[analysis.algorithm]
        else:
            default_low, default_high = expression_range(style.stretch or "minmax")
        low = style.minimum[0] if style.minimum is not None else default_low
        high = style.maximum[0] if style.maximum is not None else default_high
    return Paint(
        channels=(0,),
        low=(low,),
        high=(high,),
        palette=style.palette,
        discrete=style.scheme == "discrete",
        nodata=style.nodata,
    )

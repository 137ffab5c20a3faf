"""Band math: the allow-list refuses hostile expressions before anything runs; evaluation semantics."""

from __future__ import annotations

import numpy as np
import pytest

from rastercatalog.errors import ExpressionInvalid
from rastercatalog.render.bandmath import expression_apply, expression_value
from rastercatalog.render.expression import expression_parse


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("__import__('os')", "function __import__ at character 1 is not allowed"),
        ("b1.__class__", "attribute access (.__class__)"),
        ("b1.__class__.__bases__[0]", "Subscript"),
        ("open('/etc/passwd')", "function open"),
        ("lambda: 1", "Lambda"),
        ("[b1 for b1 in b2]", "ListComp"),
        ("x + 1", "name 'x' at character 1 is not allowed"),
        ("b5", "band b5 at character 1 does not exist: this raster has b1 to b4"),
        ("b0 + b1", "name 'b0'"),
        ("9**9**9", "exponent of ** at character 4"),
        ("b1 ** b2", "exponent"),
        ("(" * 10000 + "b1" + ")" * 10000, "20002 characters long, more than the limit of 1000"),
        ("b1" * 50000, "characters long"),
        ("(" * 33 + "b1" + ")" * 33, "nest deeper than 32 at character 33"),
        ("-" * 100 + "b1", "nests deeper than 32"),
        ("+".join(["b1"] * 300), "terms, more than the limit of 256"),
        ("1e999 * b1", "too large"),
        ("'a' + b1", "the literal str"),
        ("b1 % 2", "operator % at character 1"),
        ("where(b1, 1, 0)", "argument 1 of where at character 7 must be a condition"),
        ("(b1 > 1) + 1", "must be a number, not a condition"),
        ("abs(b1, b2)", "abs at character 1 takes 1 argument, not 2"),
        ("sqrt(x=b1)", "no keyword arguments"),
        ("min(*b1)", "2 to 8 arguments, not 1"),
        ("b1 if b2 else b3", "IfExp"),
        ("b1 is b2", "comparison is"),
        ("", "it is empty"),
        ("2 + 3", "it reads no band"),
        ("b1 +", "does not parse"),
    ],
)
def test_refused_with_a_reason(text, words):
    with pytest.raises(ExpressionInvalid) as caught:
        expression_parse(text, band_count=4)
    assert words in str(caught.value)
    assert str(caught.value).startswith("parameter expression is invalid: ")


def test_canonical_text_and_bands_read():
    expression = expression_parse(" (b4-b3) / (b4+b3) ", band_count=4)
    assert expression.text == "(b4 - b3) / (b4 + b3)"
    assert expression.bands == (3, 4)


def planes(*arrays):
    return {number: np.asarray(array, np.float32) for number, array in enumerate(arrays, start=1)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(b2 - b1) / (b2 + b1)", [0.6, 0.0, np.nan, np.nan]),  # 0/0 and nodata give NaN
        ("where(b1 > 1, b1, -b2)", [-4.0, 2.0, np.nan, np.nan]),
        # Only the bands an expression reads decide: b2's NaN in pixel 4 does not matter here.
        ("clip(b1 * 10, 5, 15)", [10.0, 15.0, np.nan, 15.0]),
        ("min(b1, b2, 3)", [1.0, 2.0, np.nan, np.nan]),
        ("max(b1, b2)", [4.0, 2.0, np.nan, np.nan]),
        ("sqrt(b1 - 2)", [np.nan, 0.0, np.nan, np.sqrt(3)]),  # sqrt(-1): NaN, nodata
        ("log(b1 - 1)", [np.nan, 0.0, np.nan, np.log(4)]),  # log(0): -inf, nodata
        ("b1 > 1 and b2 < 3", [0.0, 1.0, np.nan, np.nan]),
        ("(b1 > 1) & ~(b2 > 3)", [0.0, 1.0, np.nan, np.nan]),
        ("1 < b2 <= 4", [1.0, 1.0, np.nan, np.nan]),
        ("b1 ** 2 + b2 ** -1", [1.25, 4.5, np.nan, np.nan]),
    ],
)
def test_evaluation_with_nodata(text, expected):
    expression = expression_parse(text, band_count=2)
    b1 = [1.0, 2.0, 0.0, 5.0]
    b2 = [4.0, 2.0, 0.0, np.nan]
    valid = np.array([True, True, False, True])  # pixel 3: masked; pixel 4: b2 is NaN
    result = expression_apply(expression, planes(b1, b2), valid=valid)
    assert result.dtype == np.float32
    np.testing.assert_allclose(result, np.array(expected, np.float32), rtol=1e-6)


def test_nodata_value_of_one_band_makes_the_pixel_nodata():
    expression = expression_parse("b1 * 0 + 1", band_count=2)
    values = {1: np.array([5, 7], np.uint16), 2: np.array([1, 1], np.uint16)}
    result = expression_apply(expression, values, valid=np.ones(2, bool), nodata={1: 7, 2: 0})
    assert result[0] == 1 and np.isnan(result[1])


def test_the_result_never_aliases_an_input():
    expression = expression_parse("b1", band_count=1)
    plane = np.array([1.0, 2.0], np.float32)
    result = expression_apply(expression, {1: plane}, valid=np.array([True, False]))
    assert np.isnan(result[1]) and plane[1] == 2.0


def test_value_at_one_pixel():
    expression = expression_parse("(b2 - b1) / (b2 + b1)", band_count=2)
    assert expression_value(expression, [1, 3]) == pytest.approx(0.5)
    assert expression_value(expression, [None, 3]) is None
    assert expression_value(expression, [0, 0]) is None

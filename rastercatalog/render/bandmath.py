"""Evaluate a checked band-math expression (expression.py) on pixels, with nodata carried through.

The checked tree is evaluated node by node with numpy. Why not numexpr: measured on 256 x 256
float32 tiles on one core, NDVI took 0.06 ms with numpy and 0.18-0.22 ms with numexpr (its per-call
setup dominates), a 6-node expression with `where` 0.52 ms against 0.70 ms, and NDVI over 9 M
pixels 16 ms against 22 ms (numexpr limited to one thread, as a web worker should be). So numexpr is
not a dependency.

A pixel whose input is nodata or NaN in any band the expression reads is nodata in the result (NaN),
whatever the expression does with it (`where(b1 > 0, 1, 0)` would otherwise turn NaN into 0); so is
a result that is not finite (a division by zero, the log of zero).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Mapping, Sequence

import numpy as np

from .expression import ARITHMETIC, COMPARISONS, LOGICAL, Expression


def expression_evaluate(expression: Expression, planes: Mapping[int, np.ndarray]) -> np.ndarray:
    """Evaluate on planes (band number -> array, all one shape): float32, NaN where not finite."""
    with np.errstate(all="ignore"):
        # A copy: the expression `b1` would otherwise hand back (and let callers write into) b1.
        result = np.array(_evaluate(expression.tree, planes), dtype=np.float32)
    result[~np.isfinite(result)] = np.float32("nan")
    return result


def _evaluate(node: ast.AST, planes: Mapping[int, np.ndarray]):
    """The value of a checked node (the checks above guarantee every branch's types)."""
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return planes[int(node.id[1:])]
    if isinstance(node, ast.BinOp):
        operator = ARITHMETIC.get(type(node.op)) or LOGICAL[type(node.op)]
        return operator(_evaluate(node.left, planes), _evaluate(node.right, planes))
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, planes)
        if isinstance(node.op, ast.Not | ast.Invert):
            return np.logical_not(operand)
        return np.negative(operand) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Compare):
        values = [_evaluate(operand, planes) for operand in (node.left, *node.comparators)]
        results = [
            COMPARISONS[type(op)](left, right)
            for op, left, right in zip(node.ops, values, values[1:], strict=False)
        ]
        return functools.reduce(np.logical_and, results)
    if isinstance(node, ast.BoolOp):
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        return functools.reduce(combine, [_evaluate(value, planes) for value in node.values])
    return _call(node, [_evaluate(argument, planes) for argument in node.args])


def _call(node: ast.Call, arguments: list):
    name = node.func.id
    if name == "where":
        return np.where(*arguments)
    if name == "clip":
        return np.minimum(np.maximum(arguments[0], arguments[1]), arguments[2])
    if name in ("min", "max"):
        return functools.reduce(np.minimum if name == "min" else np.maximum, arguments)
    return {"abs": np.abs, "sqrt": np.sqrt, "log": np.log, "log10": np.log10, "exp": np.exp}[name](
        arguments[0]
    )


def work_dtype(dtype: np.dtype) -> type:
    """float32 for data float32 holds exactly (bytes, 16-bit integers, float32), else float64."""
    dtype = np.dtype(dtype)
    exact = dtype == np.float32 or (dtype.kind in "uib" and dtype.itemsize <= 2)
    return np.float32 if exact else np.float64


def expression_apply(
    expression: Expression,
    planes: Mapping[int, np.ndarray],
    *,
    valid: np.ndarray,
    nodata: Mapping[int, float | None] | None = None,
) -> np.ndarray:
    """Evaluate on the bands' planes (band number -> array): float32, NaN where not valid.

    `valid`: the pixels the read found valid (an alpha or mask); `nodata`: band number -> the
    band's nodata value, checked again per band since a warp's alpha is shared by all bands.
    """
    nodata = nodata or {}
    valid = np.array(valid, dtype=bool, copy=True)
    work = {}
    for band in expression.bands:
        plane = planes[band]
        value = nodata.get(band)
        if plane.dtype.kind == "f":
            valid &= np.isfinite(plane)
            # GDAL compares in the band's type: a float32 band's nodata is the float32 nearest it.
            if value is not None and np.isfinite(value):
                valid &= plane != plane.dtype.type(value)
        elif value is not None:
            valid &= plane != value
        work[band] = plane.astype(work_dtype(plane.dtype), copy=False)
    result = expression_evaluate(expression, work)
    result[~valid] = np.float32("nan")
    return result


def expression_value(expression: Expression, values: Sequence[float | None]) -> float | None:
    """The expression at one pixel, from each band's value there (None: nodata); None if nodata."""
    if any(values[band - 1] is None for band in expression.bands):
        return None
    planes = {band: np.array([[values[band - 1]]], np.float64) for band in expression.bands}
    result = float(expression_evaluate(expression, planes)[0, 0])
    return None if np.isnan(result) else result

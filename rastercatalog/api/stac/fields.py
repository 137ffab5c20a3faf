"""The fields extension: keep or drop parts of each item (dotted paths such as properties.gsd)."""

from __future__ import annotations

from ..params.stac_extensions import FieldsSpec

# Kept whatever `include` says, so that every returned object is still recognisably an item.
ALWAYS = ("type", "id")


def fields_apply(item: dict, spec: FieldsSpec | None) -> dict:
    """The item with only the included fields (when any are), less the excluded ones.

    A path both included and excluded is included, as the extension specifies.
    """
    if spec is None:
        return item
    if spec.include:
        kept: dict = {}
        for path in (*ALWAYS, *spec.include):
            _copy(item, kept, path.split("."))
        item = kept
    for path in spec.exclude:
        if not any(_covers(path, other) for other in spec.include):
            _drop(item, path.split("."))
    return item


def _covers(excluded: str, included: str) -> bool:
    return included == excluded or included.startswith(excluded + ".")


def _copy(source: dict, target: dict, keys: list[str]) -> None:
    key, rest = keys[0], keys[1:]
    if key not in source:
        return
    if not rest or not isinstance(source[key], dict):
        target[key] = source[key]
        return
    existing = target.get(key)
    branch = existing if isinstance(existing, dict) else target.setdefault(key, {})
    _copy(source[key], branch, rest)


def _drop(document: dict, keys: list[str]) -> None:
    for key in keys[:-1]:
        document = document.get(key)
        if not isinstance(document, dict):
            return
    document.pop(keys[-1], None)

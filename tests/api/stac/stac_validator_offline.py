"""stac-validator, offline: the STAC 1.1.0 core schemas that pystac ships, mapped by URL.

stac-validator downloads the schemas it validates against; this machine has no internet, so its
`schema_map` points each schema URL at pystac's copy. The projection and raster extension schemas
are shipped by no package: items are validated against the core schema (`core=True`), and their
extension fields are read back through pystac's extension classes (test_stac.py).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pystac.validation
from stac_validator.validate import StacValidate

SCHEMAS = Path(pystac.validation.__file__).parent / "jsonschemas"


@cache
def schema_map() -> dict[str, str]:
    """Schema URL -> pystac's local copy, for every schema pystac ships."""
    mapping = {}
    for path in SCHEMAS.rglob("*.json"):
        schema_id = json.loads(path.read_text()).get("$id", "").rstrip("#")
        if schema_id:
            mapping[schema_id] = str(path)
    # common.json declares a misspelt $id ("commonjson"); the URL the others use:
    common = SCHEMAS / "stac-spec" / "v1.1.0" / "common.json"
    mapping["https://schemas.stacspec.org/v1.1.0/item-spec/json-schema/common.json"] = str(common)
    return mapping


def stac_validate(document: dict) -> None:
    """Validate a STAC Item, Collection or Catalog with stac-validator; fail with its message."""
    validator = StacValidate(core=True, schema_map=schema_map())
    valid = validator.validate_dict(document)
    assert valid, json.dumps(validator.message, indent=1)[:3000]

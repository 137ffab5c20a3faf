"""The package's layering, checked by parsing its source with `ast` (no module is imported).

The rules are the README's Architecture section: small modules, one importer per heavy library,
`geo` free of the rest of the package, data flowing down (no cycle, no sub-package reaching up
into the API or the views).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "rastercatalog"
BENCH = ROOT / "bench"
MAX_LINES = 300
SUB_PACKAGES = ("catalog", "geo", "render", "search", "uploads")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.relative_to(PACKAGE).parts
    }


def _imports(name: str, *, top_level_only: bool = False) -> set[str]:
    """Every module `name` imports, relative imports resolved; `from x import y` gives x and x.y."""
    path = _modules()[name]
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else ast.walk(tree)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _internal(name: str, **options) -> set[str]:
    return {other for other in _imports(name, **options) if other in _modules() and other != name}


def _importers(library: str) -> set[str]:
    return {
        name
        for name in _modules()
        if any(m == library or m.startswith(f"{library}.") for m in _imports(name))
    }


def _sized_modules() -> dict[str, Path]:
    """The package's modules and the benchmark scripts (bench/*.py): the size rule covers both."""
    return {**_modules(), **{_module_name(path): path for path in sorted(BENCH.glob("*.py"))}}


@pytest.mark.parametrize("name", sorted(_sized_modules()))
def test_no_module_is_over_300_lines(name):
    lines = len(_sized_modules()[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines: split it"


@pytest.mark.parametrize(
    ("library", "owner"),
    [
        ("large_image", "rastercatalog.render.source"),
        ("rio_cogeo", "rastercatalog.catalog.cog"),
        ("boto3", "rastercatalog.uploads.s3"),
        ("botocore", "rastercatalog.uploads.s3"),
        ("prometheus_client", "rastercatalog.metrics"),
        ("corsheaders", "rastercatalog.cors"),
        ("pygeofilter", "rastercatalog.search.cql2"),
        ("cql2", "rastercatalog.search.cql2"),
        ("exactextract", "rastercatalog.render.zonal"),
        ("orjson", "rastercatalog.api.catalog.feature_rows"),
    ],
)
def test_each_heavy_library_has_one_importer(library, owner):
    assert _importers(library) == {owner}


def test_geo_imports_nothing_of_ours_but_models_and_errors():
    for name in _modules():
        if name.startswith("rastercatalog.geo."):
            ours = _internal(name) - {"rastercatalog"}
            assert ours <= {"rastercatalog.models", "rastercatalog.errors"}, name


def test_sub_packages_never_reach_up_into_the_api_or_the_views():
    upward = ("rastercatalog.api", "rastercatalog.views", "rastercatalog.admin")
    for name in _modules():
        if name.split(".")[1:2] and name.split(".")[1] in SUB_PACKAGES:
            reached = {m for m in _internal(name) if m.startswith(upward)}
            assert not reached, f"{name} imports {sorted(reached)}"


def test_only_dispatch_imports_the_tasks():
    importers = {name for name in _modules() if "rastercatalog.tasks" in _internal(name)}
    assert importers == {"rastercatalog.dispatch"}


def test_no_import_cycle_among_the_modules():
    graph = {name: _internal(name, top_level_only=True) for name in _modules()}
    # A package's __init__ is empty here: importing a.b does not depend on a itself.
    visiting, done = [], set()

    def visit(name: str) -> None:
        if name in done:
            return
        assert name not in visiting, "import cycle: " + " -> ".join(
            visiting[visiting.index(name) :] + [name]
        )
        visiting.append(name)
        for other in sorted(graph[name]):
            visit(other)
        visiting.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)

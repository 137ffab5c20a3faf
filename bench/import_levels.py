"""Print the package's module count, largest module and import depth from the tile view to GDAL.

Levels = the longest chain of rastercatalog-internal imports (module level and inside functions)
that starts at the module defining ``RasterTileApi`` and ends at a module that imports GDAL.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "rastercatalog"


def module_name(path: Path) -> str:
    """Return the dotted name of a source file."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path, name: str) -> set[str]:
    """Return every module name a file imports (absolute, relative resolved)."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            found.add(prefix)
            found.update(f"{prefix}.{alias.name}" for alias in node.names)
    return found


def main() -> None:
    """Print the figures."""
    files = [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]
    modules = {module_name(p): p for p in files}
    graph, gdal = {}, set()
    for name, path in modules.items():
        names = imported_names(path, name)
        graph[name] = {n for n in names if n in modules and n != name}
        if any(n == "osgeo" or n.startswith("osgeo.") for n in names):
            gdal.add(name)
    sizes = {name: len(path.read_text().splitlines()) for name, path in modules.items()}
    largest = max(sizes, key=sizes.get)
    start = next(n for n, p in modules.items() if "class RasterTileApi(" in p.read_text())

    best: list[str] = []

    def walk(node: str, chain: list[str]) -> None:
        nonlocal best
        if node in gdal and len(chain) > len(best):
            best = list(chain)
        for nxt in sorted(graph[node]):
            if nxt not in chain:
                walk(nxt, chain + [nxt])

    walk(start, [start])
    real = [n for n, p in modules.items() if p.name != "__init__.py" or p.stat().st_size]
    print(f"modules: {len(files)} files ({len(real)} non-empty)")
    print(f"largest: {largest} ({sizes[largest]} lines)")
    print(f"levels from {start} to GDAL: {len(best)}")
    print("  " + " -> ".join(best) + " -> osgeo.gdal")


if __name__ == "__main__":
    sys.exit(main())

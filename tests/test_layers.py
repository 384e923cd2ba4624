"""The layout's rules, read from the code's own imports: nothing imports upward, the tuner knows
no strategy, strategies read no store and no report.

Each module of the package sits on a layer (below); a module may import its own package and
anything on a lower layer, never a sibling package on its own layer nor anything above. Imports
under `if TYPE_CHECKING:` are contracts for the type checker only and count for the
strategy rules, not for the layers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "src" / "trimtab"

# Low to high: each entry names a module or a package (with everything in it).
LAYERS: list[list[str]] = [
    ["trimtab.errors", "trimtab.settings", "trimtab.arns", "trimtab.opt_ml"],
    ["trimtab.spec", "trimtab.extras"],
    ["trimtab.types", "trimtab.space"],
    ["trimtab.metrics", "trimtab.algorithms"],  # algorithms: the registry, and the built-ins
    ["trimtab.strategies", "trimtab.stopping", "trimtab.store", "trimtab.backends"],
    ["trimtab.locations", "trimtab.testing"],
    ["trimtab.job"],
    ["trimtab.completion", "trimtab.warm_start", "trimtab.reports"],
    ["trimtab.tuner"],
    ["trimtab.service"],
    ["trimtab.server"],
    ["trimtab.sdk"],
    ["trimtab.cli"],
    ["trimtab.__main__", "trimtab"],
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def home(module: str) -> tuple[int, str]:
    """The layer of a module, and the entry of LAYERS it belongs to."""
    for level, entries in enumerate(LAYERS):
        for entry in entries:
            if module == entry or (entry != "trimtab" and module.startswith(entry + ".")):
                return level, entry
    raise AssertionError(f"{module} is on no layer: add it to LAYERS")


def imports(path: Path) -> Iterator[tuple[str, bool]]:
    """(imported trimtab module, whether only for type checking) for each import in `path`."""
    tree = ast.parse(path.read_text())
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "trimtab":  # `from trimtab import service` imports a module
                names = [f"trimtab.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name == "trimtab" or name.startswith("trimtab."):
                yield name, id(node) in typing_only


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_nothing_imports_upward_or_sideways(path: Path) -> None:
    module = module_name(path)
    level, entry = home(module)
    for imported, typing_only in imports(path):
        if typing_only or imported == "trimtab.__version__":
            continue
        their_level, their_entry = home(imported)
        assert their_entry == entry or their_level < level, (
            f"{module} (layer {level}) imports {imported} (layer {their_level})"
        )


def test_the_tuner_knows_no_strategy() -> None:
    for path in (PACKAGE / "tuner").rglob("*.py"):
        source = path.read_text()
        for imported, _ in imports(path):
            if imported.startswith("trimtab.strategies"):
                assert imported == "trimtab.strategies.base", f"{path} imports {imported}"
        for name in ("Random", "Grid", "Bayesian", "Hyperband", "Median"):
            assert f'"{name}"' not in source and f"{name}Search" not in source, (path, name)


def test_strategies_and_stoppers_read_only_the_space_and_the_trials() -> None:
    allowed = ("trimtab.space", "trimtab.spec", "trimtab.types", "trimtab.extras")
    for folder in ("strategies", "stopping"):
        for path in (PACKAGE / folder).rglob("*.py"):
            for imported, _ in imports(path):
                assert imported.startswith((f"trimtab.{folder}", *allowed)), (
                    f"{module_name(path)} imports {imported}"
                )

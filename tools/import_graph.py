"""make lint: the lib's import graph (vendored code aside) has no circle, counting every import:
at module level, in functions and behind TYPE_CHECKING. Checked twice: between modules, and
between units (a subpackage such as layers/ or cnb/ is one unit, each other module its own), so a
module of a subpackage that imports a module importing that subpackage (an upward import) fails
too. Prints every circle found."""
import ast
import os
import sys
from typing import Dict, List, Set


def modules(root: str) -> Dict[str, str]:
    """{dotted name: path} of every module under root (a package directory), _vendor left out."""
    base = os.path.basename(os.path.abspath(root))
    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in ("_vendor", "__pycache__"))
        for name in sorted(files):
            if name.endswith(".py"):
                rel = os.path.relpath(os.path.join(folder, name), root)[:-3].split(os.sep)
                dotted = ".".join([base] + (rel[:-1] if rel[-1] == "__init__" else rel))
                found[dotted] = os.path.join(folder, name)
    return found


def imports(name: str, path: str, known: Dict[str, str]) -> Set[str]:
    """The lib's modules that `name` imports (an imported name that is a submodule counts as it)."""
    package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            targets = [base + "." + alias.name if base + "." + alias.name in known else base for alias in node.names]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


def circles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """Every strongly connected component of more than one node (Tarjan's algorithm)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    found: List[List[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def unit_of(name: str, top: str, packages: Set[str]) -> str:
    """A subpackage's modules are one unit; any other module is its own."""
    parts = name.split(".")
    if len(parts) > 2 and ".".join(parts[:2]) in packages:
        return ".".join(parts[:2])
    return name if name != top else top


def main(root: str) -> int:
    known = modules(root)
    graph = {name: imports(name, path, known) for name, path in known.items()}
    top = os.path.basename(os.path.abspath(root))
    packages = {name for name, path in known.items() if path.endswith("__init__.py") and name != top}
    units: Dict[str, Set[str]] = {}
    for name, targets in graph.items():
        unit = unit_of(name, top, packages)
        units.setdefault(unit, set()).update(u for u in (unit_of(t, top, packages) for t in targets) if u != unit)
    problems = [("modules", c) for c in circles(graph)] + [("units", c) for c in circles(units)]
    for kind, circle in problems:
        print("import circle between {}: {}".format(kind, " <-> ".join(circle)))
        for member in circle:
            ins = sorted(t for t in (graph if kind == "modules" else units).get(member, ()) if t in circle)
            print("  {} imports {}".format(member, ", ".join(ins)))
    print("{} modules, {} units, {} import circles".format(len(graph), len(units), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

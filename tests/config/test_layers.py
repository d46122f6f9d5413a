"""The dependencies of app code point one way, edge, geo <- zones, addresses <- accounts <- alerts
<- delivery <- solidarity, patrols, standards <- maps, with config, demo and bench above them all, and
no module imports itself back through others.
Every import counts, those inside functions included: a lazy import hides a circle, it does not
remove it. A lower app that must tell a higher one something sends a signal on commit."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {
    "edge": 0,
    "geo": 0,
    "zones": 1,
    "addresses": 1,
    "accounts": 2,
    "alerts": 3,
    "delivery": 4,
    "solidarity": 5,
    "patrols": 5,
    "standards": 5,
    "maps": 6,
    "config": 7,
    "demo": 7,
    "bench": 7,
}


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _app_modules() -> dict[str, Path]:
    return {_module_name(path): path for app in LAYERS for path in sorted((ROOT / app).rglob("*.py"))}


def _imports(path: Path, modules: dict[str, Path], root: Path = ROOT):
    """(imported module, line) for every import of app code in the file, at any depth."""
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # `from package import module` imports the module; `from module import name` the module.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] in LAYERS:
                yield target, node.lineno


def _graph() -> tuple[dict[str, set[str]], list[str]]:
    modules = _app_modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    upward = []
    for name, path in modules.items():
        app = name.split(".")[0]
        for target, line in _imports(path, modules):
            target_app = target.split(".")[0]
            if LAYERS[target_app] > LAYERS[app]:
                upward.append(f"{path.relative_to(ROOT)}:{line} ({app}) imports {target} ({target_app})")
            if target in graph and target != name:
                graph[name].add(target)
    return graph, upward


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]

    def visit(root: str) -> None:
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return found


def test_no_app_imports_an_app_above_it():
    _, upward = _graph()
    assert upward == []


def test_no_import_circle_in_app_code():
    graph, _ = _graph()
    assert _circles(graph) == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": set()}, []),
    ],
)
def test_the_circle_finder_finds_circles(graph, expected):
    assert _circles(graph) == expected


def test_lazy_imports_inside_functions_count(tmp_path):
    source = tmp_path / "alerts" / "lazy.py"
    source.parent.mkdir()
    source.write_text("def later():\n    from maps import views\n")
    found = list(_imports(source, {"maps.views": source}, root=tmp_path))
    assert found == [("maps.views", 2)]

"""The shape of the code base, kept by tests: no import cycles among project
modules, no module over 400 lines, `server/` reads as its architecture, and
domain services stay free of the web framework."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("server", "agent", "shared", "cli")
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _type_checking_block(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Name | ast.Attribute)
        and "TYPE_CHECKING" in ast.unparse(node.test)
    )


def _imports(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """Project modules `name` imports, at module level or inside functions
    (a deferred import is still a dependency), but not under TYPE_CHECKING."""
    tree = ast.parse(path.read_text(), str(path))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if _type_checking_block(node):
            skip.update(id(n) for n in ast.walk(node))
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import mod` depends on pkg.mod when that is a module.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        out.update(t for t in targets if t in modules and t != name)
    return out


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return result


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {name: _imports(path, name, modules) for name, path in modules.items()}
    # A package's __init__ re-exporting its own modules is not a loop of ours:
    # Python runs the package first, then the module it names.
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}
    return graph


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_among_project_modules() -> None:
    assert _cycles(_graph()) == []


def test_no_module_over_400_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in _modules().values()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_server_top_level_is_packages_plus_app_and_cli() -> None:
    loose = sorted(
        p.name
        for p in (ROOT / "server").iterdir()
        if p.suffix == ".py" and p.name not in {"__init__.py", "app.py", "cli.py"}
    )
    assert loose == []


def test_domain_services_do_not_import_the_web_framework() -> None:
    offenders = []
    for path in (ROOT / "server").glob("*/service.py"):
        if path.parent.name == "web":
            continue  # the web package's page data may build framework responses
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n.split(".")[0] == "litestar" for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_shared_package_has_no_server_or_agent_imports() -> None:
    graph = _graph()
    leaks = {
        name: sorted(t for t in targets if not t.startswith("shared"))
        for name, targets in graph.items()
        if name.startswith("shared")
    }
    assert {k: v for k, v in leaks.items() if v} == {}


def test_the_command_line_talks_to_the_server_only_over_http() -> None:
    """`cli` is a client: it may use the wire schemas of `shared`, never the
    server's or the agent's modules (installing the CLI must not need them)."""
    graph = _graph()
    leaks = {
        name: sorted(t for t in targets if not t.startswith(("cli", "shared")))
        for name, targets in graph.items()
        if name == "cli" or name.startswith("cli.")
    }
    assert {k: v for k, v in leaks.items() if v} == {}
    assert any(name.startswith("cli.") for name in graph)  # the package is seen at all


def test_the_repository_cites_its_own_docs_not_a_design_file_outside_it() -> None:
    """The contract as implemented is docs/api.md; a design file beside the
    checkout is not part of the repository, so nothing may depend on it."""
    cited = []
    folders = ("server", "agent", "shared", "cli", "docs", "tests", "bench", "installers")
    for folder in (*folders, "scripts"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".md", ".sh", ".yaml", ".toml"} and path.is_file():
                text = path.read_text(errors="replace")
                if any(needle in text for needle in (_DESIGN_SECTION, _DESIGN_FILE)):
                    cited.append(str(path.relative_to(ROOT)))
    readme = (ROOT / "README.md").read_text()
    assert cited == [] and _DESIGN_FILE not in readme


_DESIGN_SECTION = "DESIGN " + "§"  # spelled apart so this file does not cite it
_DESIGN_FILE = "DESIGN" + ".md"

"""The layers of ARCHITECTURE.md, held by a test. Every product module's imports are read with
`ast`, at the top of the module and inside functions alike (an import inside a function is
still a dependency; it only runs later). Two rules:

1. No import cycle among the product modules.
2. Each module imports only its own layer and the layers its row below allows.

A name in a row stands for that module and every module under it; the longest name decides
(`monitor.watchlist.levels` is core, the rest of `monitor.watchlist` is tracking). A new
module lands in its package's row; a new top-level module of `monitor` is core, the strictest
row, until the table places it elsewhere."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("monitor", "alerts", "spiders")

# layer: (its modules, the other layers it may import)
LAYERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "core": (
        (
            "monitor",  # what no row below names more precisely
            "monitor.timeutil",
            "monitor.calendar",
            "monitor.calendar_notice",
            "monitor.deadlines",
            "monitor.disclosure.deadlines",
            "monitor.consultation.deadlines",
            "monitor.watchlist.levels",
            "monitor.config",
            "monitor.quickconfig",
            "monitor.errors",
            "monitor.hints",
            "monitor.inputs",
            "monitor.report.period",
            "monitor.redact",
            "monitor.masking",
            "monitor.names",
            "monitor.texttable",
            "monitor.tomlzh",
            "monitor.neardup",
            "monitor.replyquality.reasons",
        ),
        (),
    ),
    "storage": (("monitor.db", "monitor.migrations", "monitor.app"), ("core",)),
    "tracking": (
        (
            "spiders",
            "monitor.crawl",
            "monitor.crawl_workers",
            "monitor.crawl_queue",
            "monitor.ingest",
            "monitor.orders",
            "monitor.tracking",
            "monitor.news",
            "monitor.watchlist",
            "monitor.disclosure",
            "monitor.consultation",
            "monitor.calendar_import",
            "monitor.calendar_coverage",
            "monitor.report",
            "monitor.seeding",
            "monitor.replyquality",
        ),
        ("core", "storage"),
    ),
    "alerts": (("alerts",), ("core", "storage")),
    "sweep": (("monitor.sweep",), ("core", "storage", "tracking", "alerts")),
    "read models": (
        ("monitor.status", "monitor.board"),
        ("core", "storage", "tracking", "alerts"),
    ),
    "daemon": (
        ("monitor.daemon", "monitor.triggers"),
        ("core", "storage", "tracking", "alerts", "sweep", "read models"),
    ),
    "web": (("monitor.web",), ("core", "storage", "tracking", "alerts", "read models")),
    "demo": (
        ("monitor.demo",),
        ("core", "storage", "tracking", "alerts", "sweep", "read models", "daemon", "web"),
    ),
    "cli": (
        ("monitor.cli", "monitor.__main__"),
        ("core", "storage", "tracking", "alerts", "sweep", "read models", "daemon", "web", "demo"),
    ),
}


def product_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = product_modules()


def imports_of(path: Path) -> set[str]:
    """The product modules `path` imports anywhere in its body: `from a.b import c` names
    the module a.b.c when there is one, else a.b."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(_module(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                out.add(full if full in MODULES else _module(node.module))
    out.discard("")
    return out


def _module(name: str) -> str:
    """The product module that `name` is, or is inside of ("" when it is none of ours)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name


GRAPH = {name: imports_of(path) - {name} for name, path in MODULES.items()}


def layer_of(module: str) -> str | None:
    best, found = -1, None
    for layer, (prefixes, _) in LAYERS.items():
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and len(prefix) > best:
                best, found = len(prefix), layer
    return found


def test_every_module_has_a_layer() -> None:
    assert [m for m in MODULES if layer_of(m) is None] == []
    assert len(MODULES) > 100  # the walk found the product


def test_no_import_cycle() -> None:
    cycles = [sorted(c) for c in _strongly_connected(GRAPH) if len(c) > 1]
    assert cycles == []


def test_each_layer_imports_only_what_its_row_allows() -> None:
    wrong = []
    for module, imported in sorted(GRAPH.items()):
        layer = layer_of(module)
        assert layer is not None
        allowed = {layer, *LAYERS[layer][1]}
        wrong += [
            f"{module} ({layer}) -> {target} ({layer_of(target)})"
            for target in sorted(imported)
            if layer_of(target) not in allowed
        ]
    assert wrong == []


def test_the_rules_catch_what_they_are_for() -> None:
    """The table says what ARCHITECTURE.md says: the core imports no alerts, web, CLI,
    daemon, sweep or demo; nothing below the CLI imports it; only the CLI imports the demo;
    alerts import no sweep, web, daemon or CLI."""
    below_cli = [layer for layer in LAYERS if layer != "cli"]
    assert all("cli" not in LAYERS[layer][1] for layer in below_cli)
    assert [layer for layer in LAYERS if "demo" in LAYERS[layer][1]] == ["cli"]
    for upper in ("alerts", "web", "cli", "daemon", "sweep", "demo"):
        assert upper not in LAYERS["core"][1]
    for upper in ("sweep", "web", "daemon", "cli", "tracking"):
        assert upper not in LAYERS["alerts"][1]
    assert layer_of("monitor.watchlist.levels") == "core"
    assert layer_of("monitor.watchlist.scan") == "tracking"
    assert layer_of("monitor.sweep.watch") == "sweep"
    assert layer_of("alerts.dispatch.claims") == "alerts"


def _strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (the graph has a few hundred modules)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                found.append(component)
    return found

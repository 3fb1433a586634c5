"""No import cycles in Casecast, counting imports inside functions.

A function-local import that exists to dodge a cycle is still a cycle: the two
modules still need each other. grimp (which import-linter uses) records every
import statement, at module top, inside functions and under TYPE_CHECKING, so
the graph here is the whole truth. The layer contracts themselves are checked
by `lint-imports` in `make check`.
"""

import sys
import textwrap
from collections.abc import Iterable, Mapping

import grimp


def import_cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in edges.get(module, ()):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return sorted(cycles)


def graph_edges(*packages: str) -> dict[str, set[str]]:
    graph = grimp.build_graph(*packages, cache_dir=None)
    return {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}


def test_casecast_and_tasks_have_no_import_cycles():
    edges = graph_edges("casecast", "tasks")
    assert "casecast.resolution.jobs" in edges["tasks.scoring"]  # the graph is the real one
    assert import_cycles(edges) == []


def test_a_cycle_hidden_in_a_function_is_counted(tmp_path, monkeypatch):
    package = tmp_path / "hidden_cycle"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "services.py").write_text("from hidden_cycle import tasks\n")
    (package / "tasks.py").write_text(
        textwrap.dedent(
            """
            def run():
                from hidden_cycle import services
                return services
            """
        )
    )
    (package / "jobs.py").write_text("from hidden_cycle import services\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        cycles = import_cycles(graph_edges("hidden_cycle"))
    finally:
        sys.modules.pop("hidden_cycle", None)
    assert cycles == [["hidden_cycle.services", "hidden_cycle.tasks"]]

"""No import circle anywhere in the project (DESIGN §1): module by module, not only between
the layers import-linter checks, so no module imports inside a function to dodge one."""

from __future__ import annotations

import grimp

PACKAGES = ("core", "bots", "mentorbot", "payments", "webhooks", "matching", "calls")


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    modules = sorted(m for m in graph.modules if m.split(".")[0] in PACKAGES)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & set(modules)) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in modules:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            nexts = edges[node]
            if i < len(nexts):
                work.append((node, i + 1))
                nxt = nexts[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    comp.append(m)
                    if m == node:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


def test_the_finder_sees_a_circle() -> None:
    graph = grimp.ImportGraph()
    for m in ("core.a", "core.b", "core.c"):
        graph.add_module(m)
    graph.add_import(importer="core.a", imported="core.b")
    graph.add_import(importer="core.b", imported="core.c")
    assert _cycles(graph) == []
    graph.add_import(importer="core.c", imported="core.a")
    assert _cycles(graph) == [["core.a", "core.b", "core.c"]]


def test_no_module_is_part_of_an_import_circle() -> None:
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False)
    assert _cycles(graph) == []

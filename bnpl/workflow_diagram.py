"""The pre-screening state machine drawn as a Mermaid flowchart, from its ASL definition.

Drawn the way the Step Functions console's graph shows a definition: Start and End, a box per
Task, the Parallel state as a frame around its branches side by side, each Task's Catch as a
dotted arrow labelled with the errors it catches, and a Retry noted on its Task. Mermaid renders
in the repository's Markdown and in most editors, offline.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

START, END = "start", "finish"


def _id(name: str) -> str:
    return name.replace(".", "_")


def _label(name: str, state: Mapping[str, Any]) -> str:
    retry = next((r for r in state.get("Retry", ()) if r.get("MaxAttempts")), None)
    note = f"<br/><small>retries {', '.join(retry['ErrorEquals'][:1])}</small>" if retry else ""
    return f"{name}{note}"


def _node(name: str, state: Mapping[str, Any]) -> str:
    kind = state["Type"]
    if kind == "Pass":
        return f'{_id(name)}(["{name}"])'
    if kind in ("Succeed", "Fail"):
        return f'{_id(name)}((("{name}")))'
    return f'{_id(name)}["{_label(name, state)}"]'


def _edges(name: str, state: Mapping[str, Any], end: str) -> Iterator[str]:
    if "Next" in state:
        yield f"{_id(name)} --> {_id(state['Next'])}"
    elif state.get("End") or state["Type"] in ("Succeed", "Fail"):
        yield f"{_id(name)} --> {end}"
    for catch in state.get("Catch", ()):
        errors = ", ".join(catch["ErrorEquals"])
        yield f'{_id(name)} -. "Catch {errors}" .-> {_id(catch["Next"])}'


def _states(
    states: Mapping[str, Any], end: str, indent: str, after: list[str] | None = None
) -> Iterator[str]:
    """The nodes and edges of `states`; inside a branch, the edges to the join go to `after`,
    drawn once the frame is closed: Mermaid puts a node in every frame an edge names it in."""
    for name, state in states.items():
        if state["Type"] == "Parallel":
            joined = f"{_id(name)}_done"
            yield f'{indent}{joined}(("join"))'
            yield f'{indent}subgraph {_id(name)} ["{name} (Parallel)"]'
            yield f"{indent}  direction LR"
            to_join: list[str] = []
            for number, branch in enumerate(state["Branches"], 1):
                yield f'{indent}  subgraph {_id(name)}_{number} [" "]'
                yield f"{indent}    direction TB"
                yield from _states(branch["States"], joined, indent + "    ", to_join)
                yield f"{indent}  end"
            yield f"{indent}end"
            yield from (f"{indent}{edge}" for edge in to_join)
            yield f"{indent}{joined} --> {_id(state['Next'])}"
            continue
        yield f"{indent}{_node(name, state)}"
        for edge in _edges(name, state, end):
            if after is not None and edge.endswith(f" --> {end}"):
                after.append(edge)
            else:
                yield f"{indent}{edge}"


def mermaid(definition: Mapping[str, Any]) -> str:
    """The flowchart of `definition` (Mermaid source, without the Markdown fence)."""
    lines = [
        "flowchart TD",
        f"  {START}((Start)) --> {_id(definition['StartAt'])}",
        *_states(definition["States"], END, "  "),
        f"  {END}(((End)))",
    ]
    return "\n".join(lines) + "\n"

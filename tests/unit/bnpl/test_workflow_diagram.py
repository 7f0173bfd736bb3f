"""`bnpl workflow render`: the state machine's drawing holds every state and route of its
definition, and the committed page is the drawing of the definition as it is."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from bnpl.commands import workflow
from bnpl.workflow_diagram import mermaid
from services.credit.screening.definition import load_definition


def framed(drawing: str, frame: str) -> list[str]:
    """The lines inside the subgraph `frame`."""
    lines = [line.strip() for line in drawing.splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith(f"subgraph {frame} "))
    depth, inside = 0, []
    for line in lines[start:]:
        depth += line.startswith("subgraph ") - (line == "end")
        inside.append(line)
        if depth == 0:
            return inside
    raise AssertionError(f"{frame} is never closed")


def test_every_state_and_every_route_of_the_definition_is_drawn():
    definition = load_definition()
    drawing = mermaid(definition)
    top = definition["States"]
    for name, state in top.items():
        if state["Type"] == "Parallel":
            continue
        assert f"  {name}[" in drawing or f"  {name}((" in drawing
        if "Next" in state:
            assert f"{name} --> {state['Next']}" in drawing
        for catch in state.get("Catch", ()):
            errors = ", ".join(catch["ErrorEquals"])
            assert f'{name} -. "Catch {errors}" .-> {catch["Next"]}' in drawing
    assert "start((Start)) --> ValidateCustomerInformation" in drawing
    assert "FinalDecision --> finish" in drawing


def test_the_parallel_branches_are_drawn_inside_its_frame_and_joined_after_it():
    drawing = mermaid(load_definition())
    inside = "\n".join(framed(drawing, "ParallelValidation"))
    for branch in ("OngoingLoanChecks", "PaymentHistory"):
        assert f"{branch}[" in inside
        assert f"{branch}Ended([" in inside
    # The join, and the edges to it, sit after the frame: Mermaid would draw it inside.
    assert "ParallelValidation_done" not in inside
    assert "OngoingLoanChecksEnded --> ParallelValidation_done" in drawing
    assert "ParallelValidation_done --> FinalDecision" in drawing


def test_a_change_to_the_definition_changes_the_drawing():
    changed = copy.deepcopy(load_definition())
    changed["States"]["FraudDetection"]["Catch"][0]["Next"] = "Undecided"
    assert 'FraudDetection -. "Catch CheckFailed" .-> Undecided' in mermaid(changed)


def test_the_committed_page_is_the_drawing_of_the_definition():
    assert workflow.run(check=True) == 0
    assert mermaid(load_definition()) in workflow.PAGE.read_text(encoding="utf-8")


def test_a_stale_page_fails_the_check_and_is_rewritten(tmp_path: Path, monkeypatch, capsys):
    page = tmp_path / "workflow.md"
    page.write_text("an older drawing\n", encoding="utf-8")
    monkeypatch.setattr(workflow, "PAGE", page)
    assert workflow.run(check=True) == 1
    assert "run `bnpl workflow render`" in capsys.readouterr().err
    assert page.read_text(encoding="utf-8") == "an older drawing\n"
    assert workflow.run() == 0
    assert page.read_text(encoding="utf-8") == workflow.page()


@pytest.mark.parametrize("kind", ["Succeed", "Fail"])
def test_an_end_state_is_drawn_as_an_end(kind):
    definition = {"StartAt": "Done", "States": {"Done": {"Type": kind}}}
    assert "Done(((" in mermaid(definition)

"""GraphiQL's page as a user drives it: pick an identity, type an operation, run it, read the
result pane."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Error, Page

TIMEOUT_MS = 30_000


class GraphiQLPage:
    """The page at `url`, open in `page`."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url)
        page.wait_for_selector(".graphiql-container .graphiql-query-editor .CodeMirror")

    def _wait(self, predicate: str, arg: str, what: str) -> None:
        """Wait until `predicate(arg)` holds in the page; say what it shows if it never does."""
        try:
            self.page.wait_for_function(predicate, arg=arg)
        except Error as exc:
            raise AssertionError(
                f"waited in vain for {what} {arg!r}; the page shows: "
                f"status {self.page.inner_text('#auth-status')!r}, "
                f"error {self.page.inner_text('#auth-error')!r}, "
                f"subscription {self.page.inner_text('#realtime-status')!r}, "
                f"request id {self.page.text_content('#request-id-line')!r}, "
                f"result {self.result_text()!r}"
            ) from exc

    def choose(self, identity: str) -> None:
        """Pick an entry of the panel's identity list by its text."""
        self.page.select_option("#auth-identity", label=identity)

    def status(self) -> str:
        return self.page.inner_text("#auth-status")

    def wait_for_status(self, text: str) -> None:
        self._wait(
            "text => document.getElementById('auth-status').textContent.includes(text)",
            text,
            "the identity",
        )

    def run(self, document: str, variables: dict[str, Any] | None = None) -> None:
        """Put `document` (and `variables`) in the editors and press the run button."""
        self.page.evaluate(
            """([text, variables]) => {
                const editor = (selector) => document.querySelector(selector).CodeMirror;
                editor('.graphiql-query-editor .CodeMirror').setValue(text);
                editor('.graphiql-editor-tool .CodeMirror').setValue(variables);
            }""",
            [document, json.dumps(variables or {})],
        )
        self.clear_result()
        self.page.click(".graphiql-execute-button")

    def clear_result(self) -> None:
        self.page.evaluate(
            "() => document.querySelector('.result-window .CodeMirror').CodeMirror.setValue('')"
        )

    def result_text(self) -> str:
        return str(
            self.page.evaluate(
                "() => document.querySelector('.result-window .CodeMirror').CodeMirror.getValue()"
            )
        )

    def result(self, containing: str = "") -> dict[str, Any]:
        """The result pane's JSON, once it holds `containing`."""
        self._wait(
            """text => {
                const value = document.querySelector('.result-window .CodeMirror')
                    .CodeMirror.getValue();
                return value.trim() !== '' && value.includes(text);
            }""",
            containing,
            "a result holding",
        )
        loaded: dict[str, Any] = json.loads(self.result_text())
        return loaded

    def wait_for_realtime(self, text: str) -> None:
        self._wait(
            "text => document.getElementById('realtime-status').textContent.includes(text)",
            text,
            "the subscription",
        )

    def request_id_line(self) -> str:
        """The panel's line naming the latest answer's request id ("Request id (Op): <id>")."""
        return str(self.page.text_content("#request-id-line"))

    def wait_for_request_id(self, request_id: str, operation: str) -> None:
        """Wait until the panel shows `request_id` as the id of the answer to `operation`."""
        self._wait(
            f"""id => {{
                const shown = document.getElementById('request-id');
                const line = document.getElementById('request-id-line').textContent;
                return shown !== null && shown.textContent === id
                    && line.startsWith({json.dumps(f"Request id ({operation}): ")});
            }}""",
            request_id,
            f"the request id of {operation}",
        )

    def accessibility_violations(self, axe_source: str) -> list[dict[str, Any]]:
        """axe-core's serious and critical violations on the page as it stands."""
        # Evaluated through the DevTools protocol, which the page's CSP does not govern.
        self.page.evaluate(axe_source)
        results: dict[str, Any] = self.page.evaluate("axe.run(document)")
        return [
            {
                "id": violation["id"],
                "impact": violation["impact"],
                "help": violation["help"],
                "nodes": [node["target"] for node in violation["nodes"]],
            }
            for violation in results["violations"]
            if violation["impact"] in {"serious", "critical"}
        ]

/* GraphiQL with the panel's identity: queries and mutations are POSTed to the endpoint,
 * subscriptions run over AppSync's real-time protocol, each with the headers the panel gives.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("graphiql-config").textContent);
  const endpoint = new URL(config.endpoint, window.location.href);
  const realtime = new URL(config.realtimePath, window.location.href);
  realtime.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
  const { GraphQL } = window.GraphiQL;

  // The request to send and its operation (null when the document does not parse: the server
  // says why). GraphiQL names the operation 100 ms after each edit, so a run right after one
  // may carry the name of the operation that was there before: with a single operation in the
  // document, that stale name is dropped.
  function resolve(params) {
    let parsed;
    try {
      parsed = GraphQL.parse(params.query);
    } catch {
      return [params, null];
    }
    const operation = GraphQL.getOperationAST(parsed, params.operationName || undefined);
    const only = operation ? null : GraphQL.getOperationAST(parsed);
    if (!only) return [params, operation];
    return [{ ...params, operationName: only.name ? only.name.value : undefined }, only];
  }

  // Headers typed in GraphiQL's Headers tab go along; the panel's identity wins over them.
  function withEditorHeaders(authorize, editorHeaders) {
    return async (path, body) => ({ ...(editorHeaders || {}), ...(await authorize(path, body)) });
  }

  // The request id of the latest HTTP answer (AppSync's `x-amzn-RequestId`), shown under the
  // panel's status with a button that copies `bnpl trace <id>`, the command that follows the
  // request through the local stack. Subscriptions run over the WebSocket, where AppSync gives
  // no request id: the line keeps the last HTTP answer's, named by its operation, so it is never
  // taken for the subscription's.
  const requestTrace = (function () {
    const $ = (id) => document.getElementById(id);
    const box = $("request-trace");
    const line = $("request-id-line");
    const copy = $("request-id-copy");
    const copied = $("request-id-copied");
    const COPIED_FOR_MS = 4000;
    let current = null;
    let clearCopied = 0;

    function say(text) {
      window.clearTimeout(clearCopied);
      copied.textContent = text;
      clearCopied = window.setTimeout(() => {
        copied.textContent = "";
      }, COPIED_FOR_MS);
    }

    // `name`: what was requested ("CreateCheckout", "query"); `id`: the answer's request id,
    // or null when there was no answer or it carried none.
    function show(name, id, why) {
      current = id;
      window.clearTimeout(clearCopied);
      copied.textContent = "";
      line.replaceChildren(`Request id (${name}): `);
      if (id) {
        const code = document.createElement("code");
        code.id = "request-id";
        code.textContent = id;
        line.append(code);
      } else {
        line.append(why);
      }
      copy.hidden = !id;
      $("request-id-hint").hidden = !id;
      box.hidden = false;
    }

    // Without the Clipboard API (a page on plain HTTP other than localhost is not a secure
    // context), the id is selected for the user to copy.
    async function copyCommand() {
      if (!current) return;
      const command = `bnpl trace ${current}`;
      try {
        await navigator.clipboard.writeText(command);
        say(`Copied: ${command}`);
      } catch {
        window.getSelection().selectAllChildren($("request-id"));
        say("Could not copy: the id is selected, press Ctrl+C (⌘C) to copy it.");
      }
    }
    copy.addEventListener("click", copyCommand);

    return { show };
  })();

  function describe(params, operation) {
    if (params.operationName) return params.operationName;
    return operation ? operation.operation : "request";
  }

  async function post(params, operation, authorize) {
    const body = JSON.stringify(params);
    const headers = await authorize(endpoint.pathname, body);
    delete headers.host; // the browser sends Host itself, and may not be told otherwise
    const name = describe(params, operation);
    let response;
    try {
      response = await fetch(endpoint, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body,
      });
    } catch (error) {
      requestTrace.show(name, null, "none, the server did not answer.");
      throw error;
    }
    requestTrace.show(
      name,
      response.headers.get("x-amzn-RequestId"),
      `none, the answer (HTTP ${response.status}) carried no x-amzn-RequestId.`,
    );
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      return { errors: [{ message: `HTTP ${response.status}: ${text}` }] };
    }
  }

  let auth = null;

  function fetcher(given, options) {
    const authorize = withEditorHeaders(auth.authorize, options && options.headers);
    const [params, operation] = resolve(given);
    if (operation && operation.operation === "subscription") {
      return AppSyncRealtime.subscribe({
        url: realtime.href,
        request: params,
        name: operation.name ? operation.name.value : "subscription",
        authorize,
        onStatus: auth.realtimeStatus,
      });
    }
    return post(params, operation, authorize);
  }

  const root = ReactDOM.createRoot(document.getElementById("graphiql"));

  // A new fetcher makes GraphiQL fetch the schema again, as the new identity may see it.
  function render() {
    root.render(
      React.createElement(GraphiQL, {
        fetcher: (params, options) => fetcher(params, options),
        defaultQuery: config.defaultQuery || undefined,
        defaultEditorToolsVisibility: true,
      }),
    );
  }

  // GraphiQL leaves its editors' text areas without names, so screen readers announce four
  // unnamed fields, and their scrolled areas out of the tab order, so a long result cannot be
  // scrolled from the keyboard; both are mended whenever GraphiQL (re)creates an editor.
  const EDITOR_NAMES = [
    [".graphiql-query-editor", "Query editor"],
    [".result-window", "Result"],
  ];
  function nameEditors() {
    for (const area of document.querySelectorAll(".CodeMirror textarea:not([aria-label])")) {
      const tool = area.closest(".graphiql-editor-tool");
      const editors = tool ? [...tool.querySelectorAll(".graphiql-editor")] : [];
      const index = editors.findIndex((editor) => editor.contains(area));
      const named = EDITOR_NAMES.find(([selector]) => area.closest(selector));
      const label = named ? named[1] : ["Variables", "Headers"][index] || "Editor";
      area.setAttribute("aria-label", label);
    }
    for (const scroller of document.querySelectorAll(".CodeMirror-scroll:not([tabindex])")) {
      scroller.setAttribute("tabindex", "0");
    }
  }
  new MutationObserver(nameEditors).observe(document.getElementById("graphiql"), {
    childList: true,
    subtree: true,
  });

  auth = AppSyncAuthPanel.panel(config, endpoint.host, render);
  render();
})();

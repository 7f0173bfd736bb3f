/* One subscription over AppSync's real-time protocol, as an async iterable GraphiQL reads.
 *
 * The protocol (AWS guide "Building a real-time WebSocket client"; what amplify-js sends):
 * the socket offers the `graphql-ws` subprotocol plus `header-<base64url(JSON)>` carrying the
 * connection's credentials; `connection_init` is answered by `connection_ack`; `start` carries
 * `data`, the request as a JSON string, and `extensions.authorization`, this request's own
 * credentials (for IAM, a signature over `data`); events arrive as `data` messages; `stop` ends
 * the subscription. One socket per subscription keeps stopping simple.
 */
(function (global) {
  "use strict";

  function base64url(text) {
    const bytes = new TextEncoder().encode(text);
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function newId() {
    if (global.crypto && typeof global.crypto.randomUUID === "function") {
      return global.crypto.randomUUID();
    }
    // Outside a secure context there is no randomUUID; the id only has to be unique on the socket.
    return `sub-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  }

  /**
   * Subscribe, and return the results as an async iterable whose `return()` stops.
   *
   * @param {object} options
   * @param {string} options.url the real-time endpoint, ws:// or wss://
   * @param {{query: string, variables?: object, operationName?: string}} options.request
   * @param {string} [options.name] what the status calls the subscription
   * @param {(path: string, body: string) => Promise<object>} options.authorize the headers that
   *   authorize a request to `path` with `body` (including `host`)
   * @param {(text: string) => void} [options.onStatus] told what the subscription is doing
   */
  function subscribe({ url, request, authorize, name = "subscription", onStatus = () => {} }) {
    const id = newId();
    const results = [];
    let waiting = null;
    let finished = false;
    let socket = null;
    let started = false;
    let keepAlive = null;

    function deliver(item) {
      if (waiting) {
        waiting(item);
        waiting = null;
      } else {
        results.push(item);
      }
    }

    function finish(errors, status) {
      if (finished) return;
      if (errors) deliver({ value: { errors }, done: false });
      finished = true;
      clearTimeout(keepAlive);
      deliver({ value: undefined, done: true });
      onStatus(status);
      if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000);
    }

    // The client closes when no `ka` arrives for connectionTimeoutMs (AWS guide).
    function expectKeepAlive(timeoutMs) {
      clearTimeout(keepAlive);
      keepAlive = setTimeout(
        () => finish([{ message: "No keep-alive from the server: the connection timed out." }],
          `${name}: timed out`),
        timeoutMs,
      );
    }

    async function open() {
      const data = JSON.stringify({
        query: request.query,
        variables: request.variables || {},
        ...(request.operationName ? { operationName: request.operationName } : {}),
      });
      const connectHeaders = await authorize("/graphql/connect", "{}");
      if (finished) return;
      onStatus(`${name}: connecting`);
      socket = new WebSocket(url, ["graphql-ws", `header-${base64url(JSON.stringify(connectHeaders))}`]);
      socket.onopen = () => socket.send(JSON.stringify({ type: "connection_init" }));
      socket.onmessage = async (event) => {
        const message = JSON.parse(event.data);
        const payload = message.payload || {};
        switch (message.type) {
          case "connection_ack": {
            expectKeepAlive(payload.connectionTimeoutMs || 300000);
            // Signed now, not at connect: a signature is valid for five minutes.
            const authorization = await authorize("/graphql", data);
            if (finished) return;
            socket.send(JSON.stringify({ id, type: "start", payload: { data, extensions: { authorization } } }));
            started = true;
            break;
          }
          case "ka":
            expectKeepAlive(payload.connectionTimeoutMs || 300000);
            break;
          case "start_ack":
            onStatus(`${name}: subscribed, waiting for events`);
            break;
          case "data":
            if (message.id === id) {
              deliver({ value: payload, done: false });
              onStatus(`${name}: event received`);
            }
            break;
          case "error":
          case "connection_error":
            finish(payload.errors || [{ message: "The server refused the subscription." }],
              `${name}: refused`);
            break;
          case "complete":
            finish(null, `${name}: completed`);
            break;
          default:
            break;
        }
      };
      socket.onclose = (event) =>
        finish([{ message: `The real-time connection closed (code ${event.code}).` }],
          `${name}: connection closed`);
    }

    function stop() {
      if (finished) return;
      if (started && socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ id, type: "stop" }));
      }
      finish(null, `${name}: stopped`);
    }

    open().catch((error) => finish([{ message: String((error && error.message) || error) }],
      `${name}: not started`));

    return {
      next() {
        if (results.length) return Promise.resolve(results.shift());
        if (finished) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          waiting = resolve;
        });
      },
      // GraphiQL's stop button calls this: send `stop`, close the socket, end the iteration.
      return() {
        stop();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  global.AppSyncRealtime = { subscribe, base64url };
})(globalThis);

/* The authorization panel: who GraphiQL's requests are sent as.
 *
 * The choices come from the page's configuration: users of the user pool (signed in with
 * Cognito's InitiateAuth, USER_PASSWORD_AUTH; the ID token goes in `Authorization`), a pasted
 * token, an IAM principal (each request SigV4-signed in the page), an API key, or nothing. The
 * choice and its token are kept in localStorage, so a reload keeps the identity.
 */
(function (global) {
  "use strict";

  const STORE = "appsync-graphiql:authorization";
  const RENEW_BEFORE_MS = 60 * 1000;

  function claimsOf(token) {
    try {
      const part = token.replace(/^Bearer\s+/i, "").split(".")[1];
      const binary = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
      return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
    } catch {
      return null;
    }
  }

  function clock(ms) {
    return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  async function initiateAuth(userPool, email, password) {
    // An https:// page may not call plain http://: it signs in over HTTPS too.
    const url = window.location.protocol === "https:" ? userPool.secureEndpoint : userPool.endpoint;
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: {
          "x-amz-target": "AWSCognitoIdentityProviderService.InitiateAuth",
          "content-type": "application/x-amz-json-1.1",
        },
        body: JSON.stringify({
          AuthFlow: "USER_PASSWORD_AUTH",
          ClientId: userPool.clientId,
          AuthParameters: { USERNAME: email, PASSWORD: password },
        }),
      });
    } catch (error) {
      throw new Error(`The user pool at ${url} did not answer (${error.message}).`);
    }
    const body = await response.json().catch(() => null);
    if (body && body.AuthenticationResult && body.AuthenticationResult.IdToken) {
      return body.AuthenticationResult;
    }
    if (body && body.ChallengeName) {
      throw new Error(`The user pool asks for ${body.ChallengeName}, which this page cannot answer.`);
    }
    // Cognito's errors: {"__type": "NotAuthorizedException", "message": "..."}; the type may
    // carry a namespace before '#'.
    const type = String((body && body.__type) || `HTTP ${response.status}`).split("#").pop();
    throw new Error(`${type}: ${(body && (body.message || body.Message)) || "sign-in failed"}`);
  }

  /**
   * The panel over `config` (the page's configuration) and `host` (what requests are signed for).
   * `onChange` is called whenever the identity changes.
   */
  function panel(config, host, onChange) {
    const $ = (id) => document.getElementById(id);
    const select = $("auth-identity");
    const users = (config.userPool && config.userPool.users) || [];
    let state = load();
    let lastError = "";

    function option(group, value, text) {
      const element = document.createElement("option");
      element.value = value;
      element.textContent = text;
      group.append(element);
    }

    function optgroup(label) {
      const group = document.createElement("optgroup");
      group.label = label;
      select.append(group);
      return group;
    }

    if (config.userPool) {
      const group = optgroup("Sign in to the user pool");
      users.forEach((user, i) =>
        option(group, `user:${i}`, `${user.name}${user.description ? ` (${user.description})` : ""}`));
      option(group, "user:other", "Another user…");
    }
    if (config.tokens) option(optgroup("Token"), "token", "Paste a token…");
    if (config.iam) {
      const group = optgroup(`AWS IAM (SigV4, ${config.iam.region})`);
      config.iam.signers.forEach((signer, i) => option(group, `iam:${i}`, signer.label));
    }
    if (config.apiKeys.length) {
      const group = optgroup("API key");
      config.apiKeys.forEach((key, i) => option(group, `key:${i}`, key));
    }
    option(select, "none", "No authorization");

    function load() {
      try {
        return JSON.parse(localStorage.getItem(STORE)) || { choice: firstChoice() };
      } catch {
        return { choice: firstChoice() };
      }
    }

    // A first visit starts in the API's default mode, as AppSync's console does: its first user
    // whose password the page knows, its first IAM principal or its first API key.
    function firstChoice() {
      const known = users.findIndex((user) => user.password);
      const first = {
        AMAZON_COGNITO_USER_POOLS: known >= 0 ? `user:${known}` : null,
        AWS_IAM: config.iam ? "iam:0" : null,
        API_KEY: config.apiKeys.length ? "key:0" : null,
      }[config.defaultMode];
      return first || "none";
    }

    function save(next) {
      state = next;
      localStorage.setItem(STORE, JSON.stringify(state));
      show();
      onChange();
    }

    function chosenUser() {
      const match = /^user:(\d+)$/.exec(state.choice);
      return match ? users[Number(match[1])] : null;
    }

    // The email and password fields show for a user whose password the page does not know, and
    // for a known one whose sign-in failed.
    function show() {
      const choice = state.choice;
      const user = chosenUser();
      const askPassword = choice === "user:other" || Boolean(user && (!user.password || lastError));
      $("auth-sign-in").hidden = !askPassword;
      $("auth-paste").hidden = choice !== "token";
      $("auth-error").textContent = lastError;
      $("auth-status").textContent = describe();
    }

    function describe() {
      const [kind, index] = state.choice.split(":");
      if (kind === "iam") {
        const signer = config.iam.signers[Number(index)];
        return `Active: IAM ${signer.label}, access key ${signer.accessKeyId}; each request SigV4-signed for appsync in ${config.iam.region}.`;
      }
      if (kind === "key") return `Active: API key ${config.apiKeys[Number(index)]} in x-api-key.`;
      if (kind === "none") return "Active: no authorization; only headers typed in GraphiQL's Headers tab are sent.";
      if (!state.idToken) return kind === "token" ? "Paste a token to use it." : "Not signed in.";
      const claims = claimsOf(state.idToken) || {};
      const who = claims.email || claims["cognito:username"] || claims.username || claims.sub || "a token";
      const use = { id: "Cognito ID token", access: "Cognito access token" }[claims.token_use] || "token";
      const groups = claims["cognito:groups"] ? `, groups ${claims["cognito:groups"].join(", ")}` : "";
      const expires = claims.exp ? `, expires ${clock(claims.exp * 1000)}` : "";
      const how = kind === "user" ? "signed in as" : "pasted token of";
      return `Active: ${how} ${who} (${use}${groups}${expires}), sent in Authorization.`;
    }

    // One sign-in at a time: requests made meanwhile wait for it rather than start another.
    let pending = null;

    function signIn(email, password) {
      if (!pending || pending.email !== email) {
        const attempt = attemptSignIn(email, password).finally(() => {
          if (pending === attempt) pending = null;
        });
        attempt.email = email;
        pending = attempt;
      }
      return pending;
    }

    async function attemptSignIn(email, password) {
      const choice = state.choice;
      $("auth-status").textContent = `Signing in as ${email}…`;
      let result;
      try {
        result = await initiateAuth(config.userPool, email, password);
      } catch (error) {
        if (state.choice !== choice) return;
        lastError = error.message;
        // Kept without telling GraphiQL: nothing it could fetch has changed.
        state = { choice, email };
        localStorage.setItem(STORE, JSON.stringify(state));
        show();
        return;
      }
      // Someone picked another identity while this sign-in was under way: it is not wanted.
      if (state.choice !== choice) return;
      lastError = "";
      save({ choice, email, idToken: result.IdToken,
        expiresAt: Date.now() + (result.ExpiresIn || 3600) * 1000 });
      $("auth-password").value = "";
    }

    function choose(choice) {
      const user = /^user:\d+$/.test(choice) ? users[Number(choice.split(":")[1])] : null;
      lastError = "";
      save({ choice });
      $("auth-email").value = user ? user.email : "";
      $("auth-password").value = "";
      if (user && user.password) signIn(user.email, user.password);
      else if (choice.startsWith("user:")) (user ? $("auth-password") : $("auth-email")).focus();
      else if (choice === "token") $("auth-token").focus();
    }

    select.addEventListener("change", () => choose(select.value));
    $("auth-form").addEventListener("submit", (event) => {
      event.preventDefault();
      if (state.choice === "token") {
        const token = $("auth-token").value.trim();
        save({ choice: "token", idToken: token || undefined });
      } else if (state.choice.startsWith("user:")) {
        const user = chosenUser();
        const password = $("auth-password").value || (user && user.password) || "";
        signIn($("auth-email").value.trim(), password);
      }
    });

    // A kept choice the configuration no longer offers falls back to the first one.
    if (![...select.options].some((element) => element.value === state.choice)) {
      state = { choice: firstChoice() };
    }
    select.value = state.choice;
    $("auth-email").value = state.email || "";
    if (state.choice === "token") $("auth-token").value = state.idToken || "";
    show();
    const kept = chosenUser();
    if (kept && kept.password && !(state.expiresAt > Date.now() + RENEW_BEFORE_MS)) {
      signIn(kept.email, kept.password);
    }

    /** The headers that authorize a request to `path` with `body`, `host` included. */
    async function authorize(path, body) {
      const [kind, index] = state.choice.split(":");
      if (kind === "iam") {
        const signer = config.iam.signers[Number(index)];
        return AppSyncSigV4.sign({ host, path, body, region: config.iam.region, credentials: signer });
      }
      if (kind === "key") return { host, "x-api-key": config.apiKeys[Number(index)] };
      const user = chosenUser();
      // A known user's token is renewed by signing in again shortly before it expires (unless
      // their password was just refused: the form asks for another).
      if (user && user.password && !lastError && !(state.expiresAt > Date.now() + RENEW_BEFORE_MS)) {
        await signIn(user.email, user.password);
      }
      return state.idToken && kind !== "none" ? { host, Authorization: state.idToken } : { host };
    }

    function realtimeStatus(text) {
      $("realtime-status").textContent = text ? `Subscription ${text}.` : "";
    }

    return { authorize, realtimeStatus, describe };
  }

  global.AppSyncAuthPanel = { panel, claimsOf };
})(globalThis);

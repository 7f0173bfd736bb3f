/*
 * Calls of one handler: `__appsync_invoke` (one JSON string in, one out), and what the two
 * phases in `two_phase.js` share with it: running a handler on a ctx and writing the JSON
 * answer. `__appsync_last_call` gives what a call that failed had recorded.
 */

// Installs what every handler's ctx has (args, a stash that cannot be replaced) on `ctx`,
// then runs one handler on `view` (ctx itself, or a guard's view of it). The outcome, for
// `answer`.
function run(id, phase, ctx, view, authType) {
  if (isNull(ctx.arguments)) ctx.arguments = {};
  ctx.args = ctx.arguments;
  // The stash is shared by reference along a pipeline: it can be mutated, not replaced.
  defineProperty(ctx, 'stash', {
    value: isMap(ctx.stash) ? ctx.stash : {},
    writable: false,
    enumerable: true,
  });
  state.resolverId = id;
  state.ctx = ctx;
  state.authType = authType;
  state.errors = [];
  state.logs = [];
  state.headers = null;
  state.headerBytes = 0;
  state.ext = null;
  state.loops = MAX_LOOP_ITERATIONS;
  const out = { result: null, error: null, early: false, skipTo: null };
  try {
    const result = resolvers[id][phase](view);
    out.result = result === undefined ? null : result;
  } catch (e) {
    if (e instanceof UtilError) {
      out.error = e;
    } else if (e instanceof EarlyReturn) {
      out.result = e.value;
      out.early = true;
      out.skipTo = e.skipTo;
    } else {
      throw e;
    }
  }
  return out;
}

// JSON of a value; `null` for what JSON.stringify leaves out (undefined, functions).
function json(value) {
  const text = stringify(value);
  return text === undefined ? 'null' : text;
}

// The JSON answer to Python: the stash (given as JSON) and result, then only what is not
// at its default (error null, early false, errors and logs empty, headers null).
function answer(out, stashJson) {
  const parts = ['{"stash":', stashJson, ',"result":', json(out.result)];
  if (out.error !== null) parts.push(',"error":', stringify(out.error));
  if (out.early) parts.push(',"early":true');
  if (out.skipTo !== null) parts.push(',"skipTo":', stringify(out.skipTo));
  if (state.ext !== null) parts.push(',"ext":', stringify(state.ext));
  if (state.errors.length > 0) parts.push(',"errors":', stringify(state.errors));
  if (state.logs.length > 0) parts.push(',"logs":', stringify(state.logs));
  if (state.headers !== null) parts.push(',"headers":', stringify(state.headers));
  parts.push('}');
  state.ctx = null;
  // Joined, not concatenated with `+`: a long `+` result is a rope string, which the
  // quickjs binding cannot hand to Python ("Unknown quickjs tag: -6").
  return parts.join('');
}

// A stash is a map, so its JSON is never undefined; `{}` guards a toJSON that says so.
function stashJsonOf(stash) {
  const text = stringify(stash);
  return text === undefined ? '{}' : text;
}

// One call of one handler: one JSON string in, one JSON string out.
g.__appsync_invoke = function (id, phase, ctxJson, authType) {
  const ctx = parse(ctxJson);
  const out = run(id, phase, ctx, ctx, authType);
  return answer(out, stashJsonOf(ctx.stash));
};

// What the failed call had recorded, after an exception went to Python.
g.__appsync_last_call = function () {
  const ctx = state.ctx;
  state.ctx = null;
  return stringify({
    errors: state.errors,
    logs: state.logs,
    stash: ctx === null ? {} : ctx.stash,
    headers: state.headers,
  });
};

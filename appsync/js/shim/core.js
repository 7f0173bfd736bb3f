/*
 * The APPSYNC_JS runtime inside one QuickJS context: what `@aws-appsync/utils` (and its
 * `/dynamodb` and `/rds` submodules) give resolver code, and the entry points Python calls.
 * This fragment holds what the others share: private copies of builtins, the sentinels that
 * abort a handler, the state of the call in progress, and small helpers.
 *
 * The shim is several fragments run as one function body, in the order `__init__.py` lists
 * them: each fragment's top-level names are visible to the others, `g` is the global object,
 * and strict mode is on. None of it is visible to resolver code, except through `g`.
 *
 * Nothing here calls back into Python: the quickjs binding refuses Python callbacks while a
 * time limit is set ("Can not call into Python with a time limit set"), and the limit is what
 * stops a runaway handler. So identifiers, base64 and logging are done here in JS, and
 * console output travels back in the call's JSON answer.
 *
 * `util.error`, `util.unauthorized` and `runtime.earlyReturn` abort a handler by throwing a
 * private sentinel; the entry points (`__appsync_invoke`, and `__appsync_begin` and
 * `__appsync_finish` for the two phases of one resolver call) turn them into their JSON
 * answer. Any other exception (a TypeError, a time or memory limit) is left to reach Python,
 * which classifies it.
 */

// Kept private, so resolver code replacing a global cannot break the runtime.
const parse = JSON.parse;
const stringify = JSON.stringify;
const defineProperty = Object.defineProperty;
const isArray = Array.isArray;
const hasOwnProperty = Object.prototype.hasOwnProperty;
const hasOwn = (object, key) => hasOwnProperty.call(object, key);
const makeFunction = Function;

class UtilError {
  constructor(message, errorType, data, errorInfo) {
    this.message = message === undefined || message === null ? '' : String(message);
    this.errorType = errorType === undefined || errorType === null ? null : String(errorType);
    this.data = data === undefined ? null : data;
    this.errorInfo = errorInfo === undefined ? null : errorInfo;
  }
}

class EarlyReturn {
  constructor(value, skipTo) {
    this.value = value === undefined ? null : value;
    this.skipTo = skipTo;
  }
}

const MAX_LOOP_ITERATIONS = 1000;

// Time zone offsets by zone id, for util.time (time.js): [[epoch seconds from which it
// applies, offset seconds, abbreviation], ...], oldest first, registered by resolver scripts.
const zoneTables = Object.create(null);

g.__appsync_zone = function (id, transitions) {
  zoneTables[id] = transitions;
};

// The call in progress. One context runs one call at a time (see runtime.py).
const state = {
  resolverId: null,
  ctx: null,
  authType: null,
  errors: [],
  logs: [],
  headers: null,
  headerBytes: 0,
  ext: null, // what extensions.* set (util.js)
  loops: MAX_LOOP_ITERATIONS, // loop iterations left (restrictions.py instruments loops)
};

// Called by instrumented resolver code at each loop iteration: AppSync allows 1,000 per handler.
g.__appsync_loop = function () {
  if (--state.loops < 0) {
    throw new UtilError(
      `Loop iteration limit exceeded: a handler may run at most ${MAX_LOOP_ITERATIONS} loop iterations`,
      'LoopLimitExceeded',
    );
  }
};

// Called by a resolver script with loops before its top-level code runs.
g.__appsync_loop_reset = function () {
  state.loops = MAX_LOOP_ITERATIONS;
};

function isNull(value) {
  return value === null || value === undefined;
}

function isMap(value) {
  return value !== null && typeof value === 'object' && !isArray(value);
}

function hex2(code) {
  return (code < 16 ? '0' : '') + code.toString(16).toUpperCase();
}

function hex4(code) {
  return ('000' + code.toString(16).toUpperCase()).slice(-4);
}

function unsupported(name) {
  return function () {
    throw new Error(`${name} is not supported by the local APPSYNC_JS runtime`);
  };
}

function unsupportedAll(prefix, names) {
  const out = {};
  names.forEach((name) => {
    out[name] = unsupported(prefix + name);
  });
  return out;
}

/*
 * Calls in two phases, the way the emulator runs a resolver: `__appsync_begin` runs the
 * request handler and parks the call; `__appsync_finish` runs its response handler on the ctx
 * the request handler got, with the request's stash and the data source's result and error.
 *
 * That ctx must be as Python would send it again: what the request handler changed in it must
 * not show. Parsing the JSON again guarantees that, but costs as much as the first parse, so
 * the request handler gets a WriteGuard's view of the ctx instead, and the ctx itself is
 * reused when nothing was written through the view.
 */

// Past this many reads through the view, the guard stops watching (and the ctx is parsed
// again for the response): a handler walking the whole ctx would pay a trap per property.
const GUARD_READS = 64;

// A ctx whose JSON is shorter than this is parsed again for the response: below ~1 KB,
// parsing costs less than watching (~3 µs for the three reads of a typical handler).
const GUARD_MIN_CHARS = 1024;

const RESPONDING = 'An object of the request handler\'s ctx was used in the response ' +
  'handler; the response handler gets its own ctx';

// The proxy handler behind a view of the ctx. Each object read through the view is seen
// through a proxy of its own (one per object, so identities hold); any write, definition,
// deletion, freeze or prototype change through one marks the ctx written. The stash is
// handed out as is: it is meant to be written, and it is not reused.
//
// Views kept past the request phase (in a module-level variable) keep watching the parked
// ctx; used while the response handler runs on that same ctx, they would let it see, or
// change, its own ctx through another name, so they throw then.
class WriteGuard {
  constructor(ctx) {
    this.ctx = ctx;
    this.responding = false; // the response handler runs on the (reused) ctx
    this.written = false;
    this.reads = GUARD_READS;
    this.proxies = new Map();
  }

  // Once its call ends, a guard stops watching and drops its proxies: the guard and its
  // proxies refer to each other, a cycle only QuickJS's occasional (and costly) cycle
  // collection would free. Views kept in a module-level variable still work.
  retire() {
    this.written = true;
    this.proxies = null;
  }

  view(target) {
    let proxy = this.proxies.get(target);
    if (proxy === undefined) {
      proxy = new Proxy(target, this);
      this.proxies.set(target, proxy);
    }
    return proxy;
  }

  // The hot path, kept to one call: what a read hands out is a view while the guard
  // watches, else the value itself.
  get(target, key, receiver) {
    if (this.responding) throw new TypeError(RESPONDING);
    const value = Reflect.get(target, key, receiver);
    if (--this.reads < 0) this.written = true;
    if (this.written || value === null || typeof value !== 'object') return value;
    if (key === 'stash' && target === this.ctx) return value;
    return this.view(value);
  }

  getOwnPropertyDescriptor(target, key) {
    const descriptor = Reflect.getOwnPropertyDescriptor(target, key);
    if (descriptor !== undefined && 'value' in descriptor) {
      const value = descriptor.value;
      const seen = this.get(target, key, undefined);
      // The proxy invariants let a view stand for the value only on a configurable property.
      if (seen !== value && descriptor.configurable) descriptor.value = seen;
      else if (seen !== value) this.written = true;
    }
    return descriptor;
  }

  wrote() {
    if (this.responding) throw new TypeError(RESPONDING);
    this.written = true;
  }

  set(target, key, value, receiver) {
    this.wrote();
    if (this.proxies === null || receiver === this.proxies.get(target)) {
      // Assigned directly, so a failure throws the TypeError an unguarded ctx would.
      target[key] = value;
      return true;
    }
    return Reflect.set(target, key, value, receiver); // on an object inheriting from a view
  }

  defineProperty(target, key, descriptor) {
    this.wrote();
    return Reflect.defineProperty(target, key, descriptor);
  }

  deleteProperty(target, key) {
    this.wrote();
    delete target[key]; // throws as an unguarded delete would
    return true;
  }

  preventExtensions(target) {
    this.wrote();
    return Reflect.preventExtensions(target);
  }

  setPrototypeOf(target, prototype) {
    this.wrote();
    return Reflect.setPrototypeOf(target, prototype);
  }
}

// Parked calls by call id, oldest first. A call that is never finished nor released stays
// until `maxParked` newer ones push it out.
const parked = new Map();
let maxParked = 1024;

// Takes a call out of `parked`; the call, or undefined if it was not parked.
function unpark(callId) {
  const call = parked.get(callId);
  if (call !== undefined) {
    parked.delete(callId);
    if (call.guard !== null) call.guard.retire();
  }
  return call;
}

g.__appsync_limit_parked = function (limit) {
  maxParked = limit;
};

g.__appsync_parked = function () {
  return parked.size;
};

// The request phase: `__appsync_invoke` of the request handler, which, unless the handler
// failed or returned early, also parks the call under `callId` for `__appsync_finish`.
g.__appsync_begin = function (callId, id, ctxJson, authType) {
  const ctx = parse(ctxJson);
  // The response may reuse ctx only if its keys come out in the order a fresh parse would
  // give: run() appends `args`, and `arguments` and `stash` when missing.
  const reusable = ctxJson.length >= GUARD_MIN_CHARS && hasOwn(ctx, 'arguments') &&
    hasOwn(ctx, 'stash') && !hasOwn(ctx, 'args');
  const guard = reusable ? new WriteGuard(ctx) : null;
  let parking = false;
  try {
    const out = run(id, 'request', ctx, guard === null ? ctx : guard.view(ctx), authType);
    const stashJson = stashJsonOf(ctx.stash);
    const text = answer(out, stashJson); // may throw: park only calls Python hears of
    parking = out.error === null && !out.early;
    if (parking) {
      while (parked.size >= maxParked) unpark(parked.keys().next().value);
      parked.set(callId, { ctxJson, ctx, guard, stashJson, authType });
    }
    return text;
  } finally {
    if (guard !== null && !parking) guard.retire();
  }
};

// The response phase of a parked call, which it unparks: the ctx as it was given to the
// request phase, with the stash the request handler left, and `changedJson`'s result and
// error set as Python's `ctx[key] = value` would (in place, or appended in this order).
// Null when the call is not parked (finished, released or pushed out).
g.__appsync_finish = function (callId, id, changedJson) {
  const call = parked.get(callId);
  if (call === undefined) return null;
  parked.delete(callId);
  const guard = call.guard;
  const reuse = guard !== null && !guard.written;
  if (guard !== null) guard.retire();
  try {
    let ctx;
    if (reuse) {
      guard.responding = true;
      ctx = call.ctx;
      delete ctx.args; // run() appends it again, after result and error
      // The stash property came from the JSON, so it is configurable: redefinable.
      defineProperty(ctx, 'stash', { value: parse(call.stashJson), writable: true });
    } else {
      ctx = parse(call.ctxJson);
      ctx.stash = parse(call.stashJson);
    }
    const changed = parse(changedJson);
    ctx.result = changed.result;
    ctx.error = changed.error;
    const out = run(id, 'response', ctx, ctx, call.authType);
    return answer(out, stashJsonOf(ctx.stash));
  } finally {
    if (guard !== null) guard.responding = false;
  }
};

g.__appsync_release = function (callId) {
  unpark(callId);
};

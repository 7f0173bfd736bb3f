/*
 * Lazy units: `util.time`, and `util.dynamodb` with `util.transform` and the
 * `@aws-appsync/utils/dynamodb` builders, are compiled in a context only when resolver code
 * first reads them. Most resolvers never do, and compiling them would cost every new thread
 * context ~1 ms and its memory. `LAZY_SOURCES` (joined in by __init__.py) holds each unit's
 * text; the unit sees the shim's shared helpers through `shared`.
 */

const SHARED = { g, isNull, isMap, isArray, hasOwn, parse, stringify, zoneTables };
const units = Object.create(null);

function unit(name) {
  let made = units[name];
  if (made === undefined) {
    made = makeFunction('shared', LAZY_SOURCES[name])(SHARED);
    units[name] = made;
  }
  return made;
}

// An object whose `names` are read from a unit's export `key` on first access.
function lazyObject(name, key, names) {
  const out = {};
  names.forEach((property) => {
    defineProperty(out, property, { enumerable: true, get: () => unit(name)[key][property] });
  });
  return out;
}

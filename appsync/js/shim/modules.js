/*
 * What resolver code reaches besides its imports: `console`, whose output travels back in the
 * call's answer; the importable modules; and the hooks the rewritten scripts and Python use to
 * register handlers and to list what each module exports.
 */

function logger(level) {
  return function (...args) {
    const text = args.map((arg) => (typeof arg === 'string' ? arg : stringify(arg))).join(' ');
    state.logs.push({ level, message: text });
  };
}

g.console = {
  log: logger('INFO'),
  info: logger('INFO'),
  debug: logger('DEBUG'),
  warn: logger('WARN'),
  error: logger('ERROR'),
};

g.__appsync_modules = {
  '@aws-appsync/utils': { util, runtime, extensions },
  '@aws-appsync/utils/dynamodb': Object.assign(lazyObject('data', 'ddbModule', [
    'get', 'put', 'remove', 'update', 'query', 'scan', 'sync', 'toStringSet', 'toNumberSet',
    'toBinarySet', 'operations',
  ]), unsupportedAll('@aws-appsync/utils/dynamodb ', [
    'batchGet', 'batchPut', 'batchDelete', 'transactGet', 'transactWrite',
  ])),
  '@aws-appsync/utils/rds': unsupportedAll('@aws-appsync/utils/rds ', [
    'sql', 'select', 'insert', 'update', 'remove', 'createPgStatement', 'createMySQLStatement',
    'toJsonObject', 'typeHint', 'agg',
  ]),
};

// Each resolver's handlers by resolver id, for the calls.
const resolvers = Object.create(null);

// Called by each rewritten resolver script (rewrite.py) with its exported handlers.
g.__appsync_register = function (id, handlers) {
  ['request', 'response'].forEach((name) => {
    if (typeof handlers[name] !== 'function') {
      throw new TypeError(`The exported '${name}' is not a function`);
    }
  });
  resolvers[id] = handlers;
};

// Names each importable module provides, for the rewrite's import checks.
g.__appsync_exports = function () {
  const out = {};
  Object.keys(g.__appsync_modules).forEach((name) => {
    out[name] = Object.keys(g.__appsync_modules[name]);
  });
  return stringify(out);
};

/*
 * The `util` object resolver code imports (its `time`, `dynamodb` and `transform` namespaces
 * come from their own fragments), `util.str` and `util.math`, and `runtime`.
 */

const AUTH_TYPES = {
  AMAZON_COGNITO_USER_POOLS: 'User Pool Authorization',
  AWS_IAM: 'IAM Authorization',
  API_KEY: 'API Key Authorization',
  OPENID_CONNECT: 'Open ID Connect Authorization',
  AWS_LAMBDA: 'Lambda Authorization',
};

function typeOf(value) {
  if (isNull(value)) return 'Null';
  if (typeof value === 'number') return 'Number';
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'Boolean';
  if (isArray(value)) return 'List';
  if (typeof value === 'object') return 'Map';
  return 'Object';
}

const util = {
  error(message, errorType, data, errorInfo) {
    throw new UtilError(message, errorType, data, errorInfo);
  },
  appendError(message, errorType, data, errorInfo) {
    const error = new UtilError(message, errorType, data, errorInfo);
    state.errors.push({
      message: error.message,
      errorType: error.errorType,
      data: error.data,
      errorInfo: error.errorInfo,
    });
  },
  unauthorized() {
    const info = (state.ctx && state.ctx.info) || {};
    throw new UtilError(
      `Not Authorized to access ${info.fieldName} on type ${info.parentTypeName}`,
      'Unauthorized',
    );
  },
  authType: () => AUTH_TYPES[state.authType] || null,
  autoId,
  autoUlid,
  autoKsuid,
  isNull,
  isNullOrEmpty: (value) => isNull(value) || value === '',
  isNullOrBlank: (value) => isNull(value) || (typeof value === 'string' && value.trim() === ''),
  defaultIfNull: (value, fallback) => (isNull(value) ? fallback : value),
  defaultIfNullOrEmpty: (value, fallback) => (isNull(value) || value === '' ? fallback : value),
  defaultIfNullOrBlank: (value, fallback) =>
    isNull(value) || (typeof value === 'string' && value.trim() === '') ? fallback : value,
  urlEncode,
  urlDecode,
  base64Encode,
  base64Decode,
  escapeJavaScript,
  // Java's String.matches: the whole input must match. JS RegExp syntax stands in for Java's.
  matches: (pattern, value) => new RegExp(`^(?:${pattern})$`).test(String(value)),
  typeOf,
  isString: (value) => typeof value === 'string',
  isNumber: (value) => typeof value === 'number',
  isBoolean: (value) => typeof value === 'boolean',
  isList: (value) => isArray(value),
  isMap,
  get time() {
    return unit('time').time;
  },
  str: {
    normalize(value, form) {
      const kind = String(form).toUpperCase();
      if (['NFC', 'NFD', 'NFKC', 'NFKD'].indexOf(kind) < 0) {
        throw new TypeError(`util.str.normalize: the form must be nfc, nfd, nfkc or nfkd, not '${form}'`);
      }
      return String(value).normalize(kind);
    },
  },
  math: {
    roundNum: (value) => Math.round(value),
    minVal: (a, b) => Math.min(a, b),
    maxVal: (a, b) => Math.max(a, b),
    // From the generator seeded with os.urandom, like the identifiers.
    randomDouble: () => nextUint32() / 4294967296,
    // Both bounds included.
    randomWithinRange: (low, high) => low + Math.floor((nextUint32() / 4294967296) * (high - low + 1)),
  },
  http,
  get dynamodb() {
    return unit('data').dynamodb;
  },
  rds: unsupportedAll('util.rds.', ['toJsonObject']),
  xml: unsupportedAll('util.xml.', ['toMap', 'toJsonString']),
  get transform() {
    return unit('data').transform;
  },
};

const runtime = {
  // `skipTo` ('END' or 'NEXT') says where a pipeline function's early return goes.
  earlyReturn(value, options) {
    const skipTo = isMap(options) && !isNull(options.skipTo) ? String(options.skipTo) : null;
    throw new EarlyReturn(value, skipTo);
  },
};

// What `extensions.*` set during the call, for the answer: the subscription engine reads
// the filters, the mutation's invalidations (see outcome.py). Null until one is set.
function extension() {
  if (state.ext === null) state.ext = { filter: null, invalidationFilter: null, invalidations: [] };
  return state.ext;
}

const extensions = {
  setSubscriptionFilter(filter) {
    extension().filter = isNull(filter) ? null : filter;
  },
  setSubscriptionInvalidationFilter(filter) {
    extension().invalidationFilter = isNull(filter) ? null : filter;
  },
  invalidateSubscriptions(invalidation) {
    if (!isNull(invalidation)) extension().invalidations.push(invalidation);
  },
  // The emulator has no API cache, so there is nothing to evict.
  evictFromApiCache() {
    return null;
  },
};

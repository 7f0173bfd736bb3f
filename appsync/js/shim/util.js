/*
 * The `util` object resolver code imports (with `util.time`, `util.str` and `util.math`, and
 * the namespaces the local runtime does not support), and `runtime` and `extensions`.
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

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

function parseISO8601ToEpochMilliSeconds(value) {
  const text = String(value);
  const match = ISO_8601.exec(text);
  // A date-time without an offset is read as UTC (AppSync's clock), not the host's zone.
  const ms = match === null ? NaN : Date.parse(match[1] === undefined && text.length > 10 ? text + 'Z' : text);
  if (Number.isNaN(ms)) {
    throw new TypeError(`util.time.parseISO8601ToEpochMilliSeconds: not an ISO 8601 date-time: '${text}'`);
  }
  return ms;
}

const time = {
  nowISO8601: () => new Date().toISOString(),
  nowEpochSeconds: () => Math.floor(Date.now() / 1000),
  nowEpochMilliSeconds: () => Date.now(),
  parseISO8601ToEpochMilliSeconds,
  epochMilliSecondsToSeconds: (ms) => Math.floor(Number(ms) / 1000),
  epochMilliSecondsToISO8601: (ms) => new Date(Number(ms)).toISOString(),
  nowFormatted: unsupported('util.time.nowFormatted'),
  parseFormattedToEpochMilliSeconds: unsupported('util.time.parseFormattedToEpochMilliSeconds'),
  epochMilliSecondsToFormatted: unsupported('util.time.epochMilliSecondsToFormatted'),
};

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
  time,
  str: {
    normalize: (value, form) => String(value).normalize(String(form).toUpperCase()),
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
  dynamodb: unsupportedAll('util.dynamodb.', [
    'toDynamoDB', 'toString', 'toStringSet', 'toNumber', 'toNumberSet', 'toBinary',
    'toBinarySet', 'toBoolean', 'toNull', 'toList', 'toMap', 'toMapValues', 'toS3Object',
    'fromS3ObjectJson',
  ]),
  rds: unsupportedAll('util.rds.', ['toJsonObject']),
  xml: unsupportedAll('util.xml.', ['toMap', 'toJsonString']),
  transform: unsupportedAll('util.transform.', [
    'toDynamoDBFilterExpression', 'toDynamoDBConditionExpression', 'toElasticsearchQueryDSL',
    'toSubscriptionFilter',
  ]),
};

const runtime = {
  earlyReturn(value) {
    throw new EarlyReturn(value);
  },
};

const extensions = unsupportedAll('extensions.', [
  'evictFromApiCache', 'setSubscriptionFilter', 'setSubscriptionInvalidationFilter',
  'invalidateSubscriptions',
]);

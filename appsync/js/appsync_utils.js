/*
 * The APPSYNC_JS runtime inside one QuickJS context: what `@aws-appsync/utils` (and its
 * `/dynamodb` and `/rds` submodules) give resolver code, and the entry points Python calls.
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
(function (g) {
  'use strict';

  // Kept private, so resolver code replacing a global cannot break the runtime.
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const defineProperty = Object.defineProperty;
  const isArray = Array.isArray;
  const hasOwnProperty = Object.prototype.hasOwnProperty;
  const hasOwn = (object, key) => hasOwnProperty.call(object, key);

  class UtilError {
    constructor(message, errorType, data, errorInfo) {
      this.message = message === undefined || message === null ? '' : String(message);
      this.errorType = errorType === undefined || errorType === null ? null : String(errorType);
      this.data = data === undefined ? null : data;
      this.errorInfo = errorInfo === undefined ? null : errorInfo;
    }
  }

  class EarlyReturn {
    constructor(value) {
      this.value = value === undefined ? null : value;
    }
  }

  // The call in progress. One context runs one call at a time (see runtime.py).
  const state = {
    resolverId: null,
    ctx: null,
    authType: null,
    errors: [],
    logs: [],
    headers: null,
    headerBytes: 0,
  };

  const AUTH_TYPES = {
    AMAZON_COGNITO_USER_POOLS: 'User Pool Authorization',
    AWS_IAM: 'IAM Authorization',
    API_KEY: 'API Key Authorization',
    OPENID_CONNECT: 'Open ID Connect Authorization',
    AWS_LAMBDA: 'Lambda Authorization',
  };

  // util.http.copyHeaders drops these (AppSync's list, compared case-insensitively).
  const HOP_BY_HOP = [
    'transfer-encoding', 'connection', 'host', 'expect', 'keep-alive', 'upgrade',
    'proxy-authenticate', 'proxy-authorization', 'te', 'content-length',
  ];
  // ...and util.http.addResponseHeader also refuses these.
  const RESERVED_RESPONSE_HEADERS = HOP_BY_HOP.concat([
    'access-control-allow-credentials', 'access-control-allow-origin',
    'access-control-expose-headers', 'access-control-max-age', 'access-control-allow-methods',
    'access-control-allow-headers', 'vary', 'content-type',
  ]);
  const MAX_RESPONSE_HEADER_BYTES = 4096;

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

  // ---------------------------------------------------------------- random identifiers
  // xoshiro128**, seeded with 128 bits from os.urandom when the context is created
  // (`__appsync_seed`). Not a cryptographic generator, but seeded from one: identifiers differ
  // between contexts and threads, and collide no more often than random ones.
  const rng = new Uint32Array([0x9e3779b9, 0x243f6a88, 0xb7e15162, 0x6a09e667]);

  function rotl(x, k) {
    return (x << k) | (x >>> (32 - k));
  }

  function nextUint32() {
    const s = rng;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  function hex8(n) {
    return ('0000000' + n.toString(16)).slice(-8);
  }

  function autoId() {
    // RFC 4122 version 4: version nibble 4, variant bits 10.
    const h = hex8(nextUint32()) + hex8(((nextUint32() & 0xffff0fff) | 0x4000) >>> 0) +
      hex8(((nextUint32() & 0x3fffffff) | 0x80000000) >>> 0) + hex8(nextUint32());
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

  function autoUlid() {
    // 48-bit millisecond time in 10 characters, then 80 random bits in 16.
    let ms = Date.now();
    let time = '';
    for (let i = 0; i < 10; i++) {
      time = CROCKFORD[ms % 32] + time;
      ms = Math.floor(ms / 32);
    }
    let random = '';
    for (let i = 0; i < 4; i++) {
      const word = nextUint32() >>> 12;
      for (let shift = 15; shift >= 0; shift -= 5) random += CROCKFORD[(word >>> shift) & 31];
    }
    return time + random;
  }

  const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const KSUID_EPOCH = 1400000000;

  function autoKsuid() {
    // 32-bit seconds since the KSUID epoch and 128 random bits, as 27 base62 digits
    // (long division of five 32-bit words; every intermediate stays below 2^38).
    const words = [Math.floor(Date.now() / 1000) - KSUID_EPOCH, nextUint32(), nextUint32(),
      nextUint32(), nextUint32()];
    let out = '';
    for (let n = 0; n < 27; n++) {
      let remainder = 0;
      for (let i = 0; i < words.length; i++) {
        const value = remainder * 4294967296 + words[i];
        words[i] = Math.floor(value / 62);
        remainder = value % 62;
      }
      out = BASE62[remainder] + out;
    }
    return out;
  }

  // ---------------------------------------------------------------- UTF-8 and base64
  function utf8Bytes(text) {
    const bytes = [];
    for (let i = 0; i < text.length; i++) {
      let code = text.charCodeAt(i);
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
        const low = text.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
          i++;
        }
      }
      if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd; // a lone surrogate
      if (code < 0x80) bytes.push(code);
      else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 63));
      else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
      else bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
    }
    return bytes;
  }

  function utf8Text(bytes) {
    // Invalid sequences become U+FFFD, as Java's new String(bytes, UTF_8) does.
    let out = '';
    let i = 0;
    while (i < bytes.length) {
      const lead = bytes[i];
      let need;
      let code;
      let min;
      if (lead < 0x80) {
        out += String.fromCharCode(lead);
        i++;
        continue;
      } else if (lead >= 0xc2 && lead < 0xe0) {
        need = 1; code = lead & 31; min = 0x80;
      } else if (lead >= 0xe0 && lead < 0xf0) {
        need = 2; code = lead & 15; min = 0x800;
      } else if (lead >= 0xf0 && lead < 0xf5) {
        need = 3; code = lead & 7; min = 0x10000;
      } else {
        out += '\ufffd';
        i++;
        continue;
      }
      let j = 1;
      while (j <= need && i + j < bytes.length && (bytes[i + j] & 0xc0) === 0x80) {
        code = (code << 6) | (bytes[i + j] & 63);
        j++;
      }
      if (j <= need || code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        out += '\ufffd';
      } else {
        out += String.fromCodePoint(code);
      }
      i += j;
    }
    return out;
  }

  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const B64_TEXT = /^[A-Za-z0-9+/]*={0,2}$/;

  function base64Encode(value) {
    const bytes = utf8Bytes(String(value));
    let out = '';
    for (let i = 0; i < bytes.length; i += 3) {
      const n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
      out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] +
        (i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < bytes.length ? B64[n & 63] : '=');
    }
    return out;
  }

  function base64Decode(value) {
    const text = String(value);
    if (text.length % 4 !== 0 || !B64_TEXT.test(text)) {
      throw new TypeError('util.base64Decode: the input is not valid base64');
    }
    const bytes = [];
    for (let i = 0; i < text.length; i += 4) {
      const n = (B64.indexOf(text[i]) << 18) | (B64.indexOf(text[i + 1]) << 12) |
        ((B64.indexOf(text[i + 2]) & 63) << 6) | (B64.indexOf(text[i + 3]) & 63);
      bytes.push((n >> 16) & 255);
      if (text[i + 2] !== '=') bytes.push((n >> 8) & 255);
      if (text[i + 3] !== '=') bytes.push(n & 255);
    }
    return utf8Text(bytes);
  }

  function headerValue(value) {
    return typeof value === 'string' ? value : stringify(value);
  }

  function addResponseHeader(name, value) {
    const lower = typeof name === 'string' ? name.toLowerCase() : '';
    let problem = null;
    if (lower === '') {
      problem = 'a response header needs a non-empty name';
    } else if (RESERVED_RESPONSE_HEADERS.indexOf(lower) >= 0) {
      problem = `the response header '${name}' is reserved`;
    } else if (lower.startsWith('x-amz-') || lower.startsWith('x-amzn-')) {
      problem = `response header names may not start with x-amz- or x-amzn- ('${name}')`;
    } else if (isNull(value)) {
      problem = `the response header '${name}' has a null value`;
    }
    const text = problem === null ? headerValue(value) : '';
    if (problem === null && state.headerBytes + name.length + text.length > MAX_RESPONSE_HEADER_BYTES) {
      problem = `custom response headers may not exceed ${MAX_RESPONSE_HEADER_BYTES} bytes`;
    }
    if (problem !== null) {
      // AppSync ignores the header and reports it in the operation's errors.
      state.errors.push({ message: problem, errorType: 'ResponseHeaderError', data: null, errorInfo: null });
      return;
    }
    if (state.headers === null) {
      state.headers = {};
    }
    state.headers[name] = text;
    state.headerBytes += name.length + text.length;
  }

  function escapeJavaScript(value) {
    // Java's StringEscapeUtils.escapeEcmaScript, which AppSync's util uses.
    const input = String(value);
    let out = '';
    for (let i = 0; i < input.length; i++) {
      const ch = input[i];
      const code = input.charCodeAt(i);
      if (ch === "'" || ch === '"' || ch === '\\' || ch === '/') out += '\\' + ch;
      else if (ch === '\b') out += '\\b';
      else if (ch === '\n') out += '\\n';
      else if (ch === '\t') out += '\\t';
      else if (ch === '\f') out += '\\f';
      else if (ch === '\r') out += '\\r';
      else if (code < 0x20) out += '\\u00' + hex2(code);
      else if (code > 0x7e) out += '\\u' + hex4(code);
      else out += ch;
    }
    return out;
  }

  function urlEncode(value) {
    // application/x-www-form-urlencoded, as Java's URLEncoder: space is '+', and only
    // letters, digits and . - * _ stay unencoded.
    return encodeURIComponent(String(value))
      .replace(/%20/g, '+')
      .replace(/[!'()~]/g, (ch) => '%' + hex2(ch.charCodeAt(0)));
  }

  function urlDecode(value) {
    return decodeURIComponent(String(value).replace(/\+/g, ' '));
  }

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
    http: {
      copyHeaders(headers) {
        const out = {};
        Object.keys(headers || {}).forEach((name) => {
          if (HOP_BY_HOP.indexOf(name.toLowerCase()) < 0) {
            out[name] = headers[name];
          }
        });
        return out;
      },
      addResponseHeader,
      addResponseHeaders(headers) {
        Object.keys(headers || {}).forEach((name) => addResponseHeader(name, headers[name]));
      },
    },
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
    '@aws-appsync/utils/dynamodb': unsupportedAll('@aws-appsync/utils/dynamodb ', [
      'get', 'put', 'remove', 'update', 'scan', 'query', 'sync', 'batchGet', 'batchPut',
      'batchDelete', 'transactGet', 'transactWrite', 'toStringSet', 'toNumberSet', 'toBinarySet',
      'operations',
    ]),
    '@aws-appsync/utils/rds': unsupportedAll('@aws-appsync/utils/rds ', [
      'sql', 'select', 'insert', 'update', 'remove', 'createPgStatement', 'createMySQLStatement',
      'toJsonObject', 'typeHint', 'agg',
    ]),
  };

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

  // Seeds the identifier generator: 32 hex digits from os.urandom, once per context.
  g.__appsync_seed = function (hex) {
    for (let i = 0; i < 4; i++) rng[i] = parseInt(hex.slice(8 * i, 8 * i + 8), 16);
    if ((rng[0] | rng[1] | rng[2] | rng[3]) === 0) rng[0] = 1; // xoshiro's one bad state
  };

  // Names each importable module provides, for the rewrite's import checks.
  g.__appsync_exports = function () {
    const out = {};
    Object.keys(g.__appsync_modules).forEach((name) => {
      out[name] = Object.keys(g.__appsync_modules[name]);
    });
    return stringify(out);
  };

  // ---------------------------------------------------------------- calls
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
    const out = { result: null, error: null, early: false };
    try {
      const result = resolvers[id][phase](view);
      out.result = result === undefined ? null : result;
    } catch (e) {
      if (e instanceof UtilError) {
        out.error = e;
      } else if (e instanceof EarlyReturn) {
        out.result = e.value;
        out.early = true;
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

  // ---------------------------------------------------------------- two-phase calls
  // `__appsync_begin` runs the request handler and parks the call; `__appsync_finish` runs
  // its response handler on the ctx the request handler got, with the request's stash and the
  // data source's result and error. That ctx must be as Python would send it again: what the
  // request handler changed in it must not show. Parsing the JSON again guarantees that, but
  // costs as much as the first parse, so the request handler gets a WriteGuard's view of the
  // ctx instead, and the ctx itself is reused when nothing was written through the view.

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
})(globalThis);

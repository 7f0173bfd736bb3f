/*
 * `util.http`: copying request headers without the hop-by-hop ones, and the custom response
 * headers a handler adds (kept in the call's state, sent back in its answer).
 */

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

const http = {
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
};

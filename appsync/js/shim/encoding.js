/*
 * The text encodings behind `util`: UTF-8 and base64 (`util.base64Encode`,
 * `util.base64Decode`), JavaScript string escaping (`util.escapeJavaScript`) and form URL
 * encoding (`util.urlEncode`, `util.urlDecode`).
 */

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

/* AWS Signature Version 4 for AppSync, computed in the page with WebCrypto.
 *
 * It signs as botocore's SigV4Auth does for service `appsync`: a canonical request over the
 * `content-type`, `host` and `x-amz-date` headers, no query string, and the body's SHA-256; the
 * emulator verifies it by recomputing the signature with botocore. Only HTTPS pages and pages
 * on 127.0.0.1 or localhost have WebCrypto (a browser's "secure context").
 */
(function (global) {
  "use strict";

  const encoder = new TextEncoder();

  function subtle() {
    const crypto = global.crypto && global.crypto.subtle;
    if (!crypto) {
      throw new Error(
        "SigV4 signing needs WebCrypto, which browsers give only to https:// pages and pages " +
          "on 127.0.0.1 or localhost: open GraphiQL at one of those.",
      );
    }
    return crypto;
  }

  function hex(buffer) {
    return Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  async function sha256(text) {
    return hex(await subtle().digest("SHA-256", encoder.encode(text)));
  }

  async function hmac(key, text) {
    const raw = typeof key === "string" ? encoder.encode(key) : key;
    const imported = await subtle().importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
    return new Uint8Array(await subtle().sign("HMAC", imported, encoder.encode(text)));
  }

  // 2024-05-06T07:08:09.123Z -> 20240506T070809Z
  function amzDate(date) {
    return date.toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
  }

  /**
   * The headers that sign one request: `content-type`, `host`, `x-amz-date` and
   * `authorization`.
   *
   * @param {object} request
   * @param {string} request.host the host (and port) the request goes to, as the server sees it
   * @param {string} request.path e.g. `/graphql`
   * @param {string} request.body the exact body sent
   * @param {{accessKeyId: string, secretAccessKey: string}} request.credentials
   * @param {string} request.region
   * @param {string} [request.method] POST by default
   * @param {string} [request.service] appsync by default
   * @param {string} [request.contentType] application/json by default
   * @param {Date} [request.date] the signing time, now by default
   */
  async function sign(request) {
    const stamp = amzDate(request.date || new Date());
    const day = stamp.slice(0, 8);
    const service = request.service || "appsync";
    const headers = {
      "content-type": request.contentType || "application/json",
      host: request.host,
      "x-amz-date": stamp,
    };
    const names = Object.keys(headers).sort();
    // botocore trims each value and folds runs of spaces into one.
    const canonicalHeaders = names
      .map((name) => `${name}:${String(headers[name]).trim().replace(/\s+/g, " ")}\n`)
      .join("");
    const signedHeaders = names.join(";");
    const canonicalRequest = [
      request.method || "POST",
      request.path,
      "",
      canonicalHeaders,
      signedHeaders,
      await sha256(request.body),
    ].join("\n");
    const scope = `${day}/${request.region}/${service}/aws4_request`;
    const stringToSign = ["AWS4-HMAC-SHA256", stamp, scope, await sha256(canonicalRequest)].join("\n");
    let key = encoder.encode(`AWS4${request.credentials.secretAccessKey}`);
    for (const part of [day, request.region, service, "aws4_request"]) {
      key = await hmac(key, part);
    }
    const signature = hex(await hmac(key, stringToSign));
    return {
      ...headers,
      authorization:
        `AWS4-HMAC-SHA256 Credential=${request.credentials.accessKeyId}/${scope}, ` +
        `SignedHeaders=${signedHeaders}, Signature=${signature}`,
    };
  }

  global.AppSyncSigV4 = { sign, amzDate };
})(globalThis);

/*
 * Random identifiers: `util.autoId`, `util.autoUlid`, `util.autoKsuid`, and the seeded
 * generator behind them and `util.math`'s random numbers.
 *
 * xoshiro128**, seeded with 128 bits from os.urandom when the context is created
 * (`__appsync_seed`). Not a cryptographic generator, but seeded from one: identifiers differ
 * between contexts and threads, and collide no more often than random ones.
 */

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

// Seeds the generator: 32 hex digits from os.urandom, once per context.
g.__appsync_seed = function (hex) {
  for (let i = 0; i < 4; i++) rng[i] = parseInt(hex.slice(8 * i, 8 * i + 8), 16);
  if ((rng[0] | rng[1] | rng[2] | rng[3]) === 0) rng[0] = 1; // xoshiro's one bad state
};

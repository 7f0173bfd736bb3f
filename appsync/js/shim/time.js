/*
 * `util.time`: epoch and ISO 8601 conversions, and the formatted ones, which take Java
 * DateTimeFormatter patterns (AppSync's util is written in Java) and a time zone.
 *
 * Time zones: QuickJS has no Intl and no zone database, and the shim cannot call Python during
 * a call. So a zone's offsets come with the resolver script: when a resolver is loaded, each of
 * its string literals that names an IANA zone is looked up in Python's zoneinfo and its
 * transitions are registered in `zoneTables` (`__appsync_zone` in core.js, see zones.py). Fixed
 * offsets (`+08:00`, `UTC+8`, `GMT-03:30`, `Z`, `UTC`) need no table. A zone known to neither
 * is refused, as Java's ZoneId.of refuses an unknown id.
 *
 * A lazy unit (see __init__.py): compiled in a context when resolver code first reads util.time.
 */

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const FIXED_ZONE = /^(?:(UTC|GMT|UT)(?=[+-]|$))?(?:([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?)?$/;

function timeError(name, message) {
  return new TypeError(`util.time.${name}: ${message}`);
}

// A zone: {id, offsetAt(ms) -> seconds, nameAt(ms) -> abbreviation}.
function zoneOf(name, id) {
  if (isNull(id)) id = 'UTC';
  const text = String(id);
  if (text === 'Z') return fixedZone('Z', 0);
  const table = zoneTables[text];
  if (table !== undefined) {
    return {
      id: text,
      entry(ms) {
        const s = ms / 1000;
        let lo = 0;
        let hi = table.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (table[mid][0] <= s) lo = mid;
          else hi = mid - 1;
        }
        return table[lo];
      },
      offsetAt(ms) { return this.entry(ms)[1]; },
      nameAt(ms) { return this.entry(ms)[2]; },
    };
  }
  const match = FIXED_ZONE.exec(text);
  if (match !== null && text !== '') {
    const sign = match[2] === '-' ? -1 : 1;
    const hours = Number(match[3] || 0);
    const seconds = sign * (hours * 3600 + Number(match[4] || 0) * 60 + Number(match[5] || 0));
    if (hours <= 18) return fixedZone(text, seconds);
  }
  throw timeError(name, `unknown time zone '${text}' (the local runtime knows fixed offsets and ` +
    'the IANA zones named as string literals in the resolver code)');
}

function fixedZone(id, seconds) {
  const short = seconds === 0 ? (id === 'Z' || id === 'UTC' ? 'UTC' : id) : id;
  return { id, offsetAt: () => seconds, nameAt: () => short };
}

function pad(value, width) {
  let text = String(Math.abs(value));
  while (text.length < width) text = '0' + text;
  return (value < 0 ? '-' : '') + text;
}

// Java's offset styles: +HHMM, +HH:MM, +HH (minutes when not zero).
function offsetText(seconds, colon, hoursOnly, zeroText) {
  if (seconds === 0 && zeroText !== null) return zeroText;
  const sign = seconds < 0 ? '-' : '+';
  const abs = Math.abs(seconds);
  const hours = pad(Math.floor(abs / 3600), 2);
  const minutes = pad(Math.floor((abs % 3600) / 60), 2);
  if (hoursOnly && minutes === '00') return sign + hours;
  return sign + hours + (colon ? ':' : '') + minutes;
}

function gmtText(seconds, long) {
  if (seconds === 0) return 'GMT';
  const sign = seconds < 0 ? '-' : '+';
  const abs = Math.abs(seconds);
  const hours = Math.floor(abs / 3600);
  const minutes = Math.floor((abs % 3600) / 60);
  if (long) return `GMT${sign}${pad(hours, 2)}:${pad(minutes, 2)}`;
  return `GMT${sign}${hours}${minutes === 0 ? '' : ':' + pad(minutes, 2)}`;
}

// Splits a pattern into [letter, count] fields and literal strings.
function compilePattern(name, pattern) {
  const text = String(pattern);
  const parts = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "'") {
      let j = i + 1;
      let literal = '';
      for (;;) {
        if (j >= text.length) throw timeError(name, `unterminated quote in pattern '${text}'`);
        if (text[j] === "'") {
          if (text[j + 1] === "'") { literal += "'"; j += 2; continue; }
          break;
        }
        literal += text[j];
        j++;
      }
      parts.push(i + 1 === j ? "'" : literal);
      i = j + 1;
    } else if (/[A-Za-z]/.test(ch)) {
      let j = i;
      while (text[j] === ch) j++;
      if ('GuyMLdDEaHhkKmsSnZXxzVO'.indexOf(ch) < 0 || (ch === 'V' && j - i !== 2)) {
        throw timeError(name, `unknown pattern letter '${ch}' in '${text}'`);
      }
      parts.push([ch, j - i]);
      i = j;
    } else if (ch === '[' || ch === ']' || ch === '{' || ch === '}' || ch === '#') {
      throw timeError(name, `reserved character '${ch}' in pattern '${text}'`);
    } else {
      parts.push(ch);
      i++;
    }
  }
  return parts;
}

function fieldText(letter, count, d, ms, zone) {
  const offset = zone.offsetAt(ms);
  switch (letter) {
    case 'G': return count === 4 ? 'Anno Domini' : count === 5 ? 'A' : 'AD';
    case 'u':
    case 'y': {
      const year = d.getUTCFullYear();
      if (count === 2) return pad(((year % 100) + 100) % 100, 2);
      return pad(year, count);
    }
    case 'M':
    case 'L': {
      const month = d.getUTCMonth();
      if (count === 3) return MONTHS[month].slice(0, 3);
      if (count === 4) return MONTHS[month];
      if (count === 5) return MONTHS[month][0];
      return pad(month + 1, count);
    }
    case 'd': return pad(d.getUTCDate(), count);
    case 'D': {
      const start = Date.UTC(d.getUTCFullYear(), 0, 1);
      return pad(Math.floor((d.getTime() - start) / 86400000) + 1, count);
    }
    case 'E': {
      const day = DAYS[d.getUTCDay()];
      return count === 4 ? day : count === 5 ? day[0] : day.slice(0, 3);
    }
    case 'a': return d.getUTCHours() < 12 ? 'AM' : 'PM';
    case 'H': return pad(d.getUTCHours(), count);
    case 'k': return pad(d.getUTCHours() || 24, count);
    case 'K': return pad(d.getUTCHours() % 12, count);
    case 'h': return pad(d.getUTCHours() % 12 || 12, count);
    case 'm': return pad(d.getUTCMinutes(), count);
    case 's': return pad(d.getUTCSeconds(), count);
    case 'S': return (pad(d.getUTCMilliseconds(), 3) + '000000').slice(0, count);
    case 'n': return String(d.getUTCMilliseconds() * 1000000);
    case 'Z':
      if (count === 4) return gmtText(offset, true);
      if (count === 5) return offsetText(offset, true, false, 'Z');
      return offsetText(offset, false, false, null);
    case 'X':
    case 'x': {
      const zero = letter === 'X' ? 'Z' : null;
      if (count === 1) return offsetText(offset, false, true, zero);
      return offsetText(offset, count === 3 || count === 5, false, zero);
    }
    case 'O': return gmtText(offset, count === 4);
    case 'z': return count === 4 ? zone.id : zone.nameAt(ms);
    default: return zone.id; // VV
  }
}

function formatMillis(name, ms, pattern, zoneId) {
  const millis = Number(ms);
  if (!Number.isFinite(millis)) throw timeError(name, `not an epoch time: ${ms}`);
  const zone = zoneOf(name, zoneId);
  const parts = compilePattern(name, pattern);
  // The local fields, read from a Date shifted by the zone's offset.
  const d = new Date(millis + zone.offsetAt(millis) * 1000);
  return parts.map((part) => (typeof part === 'string' ? part :
    fieldText(part[0], part[1], d, millis, zone))).join('');
}

const NUMBER_FIELDS = 'uyMLdDHhkKmsS';

// Parses `text` with `pattern`: strict widths for repeated letters, as DateTimeFormatter.
function parseMillis(name, text, pattern, zoneId) {
  const input = String(text);
  const parts = compilePattern(name, pattern);
  const f = { year: null, month: 1, day: 1, dayOfYear: null, hour: 0, minute: 0, second: 0,
    millis: 0, pm: null, hour12: null, offset: null };
  let pos = 0;
  const fail = () => timeError(name, `'${input}' could not be parsed at index ${pos} with '${pattern}'`);
  parts.forEach((part, index) => {
    if (typeof part === 'string') {
      if (input.substr(pos, part.length) !== part) throw fail();
      pos += part.length;
      return;
    }
    const letter = part[0];
    const count = part[1];
    if (NUMBER_FIELDS.indexOf(letter) >= 0 && !((letter === 'M' || letter === 'L') && count >= 3)) {
      const next = parts[index + 1];
      const adjacent = next !== undefined && typeof next !== 'string' && NUMBER_FIELDS.indexOf(next[0]) >= 0;
      const yearLike = (letter === 'y' || letter === 'u') && count !== 2;
      const width = letter === 'S' || (!yearLike && count > 1) || adjacent ? count : null;
      const digits = width === null ? /^[+-]?\d{1,10}/.exec(input.slice(pos)) :
        new RegExp(`^\\d{${width}}`).exec(input.slice(pos));
      if (digits === null) throw fail();
      pos += digits[0].length;
      let n = Number(digits[0]);
      if (letter === 'y' || letter === 'u') f.year = count === 2 ? 2000 + n : n;
      else if (letter === 'M' || letter === 'L') f.month = n;
      else if (letter === 'd') f.day = n;
      else if (letter === 'D') f.dayOfYear = n;
      else if (letter === 'H' || letter === 'k') f.hour = n % 24;
      else if (letter === 'h' || letter === 'K') f.hour12 = n % 12;
      else if (letter === 'm') f.minute = n;
      else if (letter === 's') f.second = n;
      else { n = Number((digits[0] + '00').slice(0, 3)); f.millis = n; }
      return;
    }
    const rest = input.slice(pos);
    const word = (list, short) => {
      const found = list.findIndex((item) => rest.startsWith(short ? item.slice(0, 3) : item));
      if (found < 0) throw fail();
      pos += short ? 3 : list[found].length;
      return found;
    };
    if (letter === 'M' || letter === 'L') f.month = word(MONTHS, count === 3) + 1;
    else if (letter === 'E') word(DAYS, count !== 4);
    else if (letter === 'a') f.pm = word(['AM', 'PM'], false) === 1;
    else if (letter === 'G') word(['AD'], false);
    else if ('ZXxO'.indexOf(letter) >= 0) {
      const m = /^(?:Z|GMT|UTC)?(?:([+-])(\d{1,2}):?(\d{2})?)?/.exec(rest);
      if (m[0] === '') throw fail();
      pos += m[0].length;
      f.offset = m[1] === undefined ? 0 : (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3] || 0) * 60);
    } else {
      const m = /^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*/.exec(rest);
      if (m === null) throw fail();
      pos += m[0].length;
      zoneId = m[0];
    }
  });
  if (pos !== input.length) throw timeError(name, `'${input}' has unparsed text at index ${pos}`);
  if (f.year === null) throw timeError(name, `'${input}' has no year for '${pattern}'`);
  if (f.hour12 !== null) f.hour = f.hour12 + (f.pm ? 12 : 0);
  let local = f.dayOfYear !== null ? Date.UTC(f.year, 0, f.dayOfYear) : Date.UTC(f.year, f.month - 1, f.day);
  const check = new Date(local);
  if (f.dayOfYear === null && (check.getUTCMonth() !== f.month - 1 || check.getUTCDate() !== f.day)) {
    throw timeError(name, `'${input}' is not a valid date`);
  }
  local += ((f.hour * 60 + f.minute) * 60 + f.second) * 1000 + f.millis;
  if (f.offset !== null) return local - f.offset * 1000;
  const zone = zoneOf(name, zoneId);
  // The earlier offset where the local time repeats; past a gap, the offset before it.
  const before = zone.offsetAt(local - zone.offsetAt(local) * 1000 - 86400000);
  const guess = local - before * 1000;
  const after = zone.offsetAt(guess);
  return after === before ? guess : local - zone.offsetAt(local - after * 1000) * 1000;
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
  nowFormatted: (pattern, zone) => formatMillis('nowFormatted', Date.now(), pattern, zone),
  parseFormattedToEpochMilliSeconds: (text, pattern, zone) =>
    parseMillis('parseFormattedToEpochMilliSeconds', text, pattern, zone),
  parseISO8601ToEpochMilliSeconds,
  epochMilliSecondsToSeconds: (ms) => Math.floor(Number(ms) / 1000),
  epochMilliSecondsToISO8601: (ms) => new Date(Number(ms)).toISOString(),
  epochMilliSecondsToFormatted: (ms, pattern, zone) =>
    formatMillis('epochMilliSecondsToFormatted', ms, pattern, zone),
};

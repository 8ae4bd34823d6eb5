/**
 * Time in cookie vectors. A vector may fix "now" (clock.start) and move it
 * forward (advance); such vectors need a target that can control its clock.
 * Dates inside Set-Cookie strings can be written relative to the current time
 * of the request, so that a vector never rots as the years pass:
 *
 *   {{now}}            the current time, as an IMF-fixdate
 *   {{now+1d}}         one day later (units: s, m, h, d, y = 365 d)
 *   {{now-2y|rfc850}}  two years earlier, in the RFC 850 format
 *   {{now+30s|%d-%b-%y %H:%M:%S}}  any strftime-like pattern
 */

const PLACEHOLDER = /\{\{now(?:([+-])(\d+)([smhdy]))?(?:\|([^{}]*))?\}\}/g;
const ANY_BRACES = /\{\{[^{}]*\}\}/g;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, y: 365 * 86400 };
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const NAMED: Record<string, string> = {
  imf: '%a, %d %b %Y %H:%M:%S GMT',
  rfc850: '%A, %d-%b-%y %H:%M:%S GMT',
  asctime: '%a %b %e %H:%M:%S %Y',
};

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function formatDate(ms: number, format = 'imf'): string {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  const pattern = NAMED[format] ?? format;
  return pattern.replace(/%([aAbBdeHMSyYm%])/g, (_, c: string) => {
    switch (c) {
      case 'a':
        return DAYS[d.getUTCDay()]!.slice(0, 3);
      case 'A':
        return DAYS[d.getUTCDay()]!;
      case 'b':
        return MONTHS[d.getUTCMonth()]!.slice(0, 3);
      case 'B':
        return MONTHS[d.getUTCMonth()]!;
      case 'd':
        return pad(d.getUTCDate());
      case 'e':
        return String(d.getUTCDate()).padStart(2, ' ');
      case 'H':
        return pad(d.getUTCHours());
      case 'M':
        return pad(d.getUTCMinutes());
      case 'S':
        return pad(d.getUTCSeconds());
      case 'y':
        return pad(d.getUTCFullYear() % 100);
      case 'Y':
        return pad(d.getUTCFullYear(), 4);
      case 'm':
        return pad(d.getUTCMonth() + 1);
      default:
        return '%';
    }
  });
}

/** Replaces every {{now...}} placeholder, with `now` the time of the request in ms. */
export function renderDates(text: string, now: number): string {
  return text.replace(PLACEHOLDER, (_, sign: string | undefined, amount: string | undefined, unit: string | undefined, format: string | undefined) => {
    const offset = sign ? (sign === '-' ? -1 : 1) * Number(amount) * UNIT_SECONDS[unit!]! * 1000 : 0;
    return formatDate(now + offset, format ?? 'imf');
  });
}

export function hasPlaceholders(text: string): boolean {
  return /\{\{/.test(text);
}

/** Does a placeholder print a two-digit year (which reads as 19xx from 2070 on)? */
export function twoDigitYearPlaceholder(text: string): boolean {
  for (const m of text.matchAll(PLACEHOLDER)) {
    const pattern = NAMED[m[4] ?? 'imf'] ?? m[4]!;
    if (/%y/.test(pattern)) return true;
  }
  return false;
}

/** Placeholders that do not parse, for validation. */
export function badPlaceholders(text: string): string[] {
  const bad: string[] = [];
  for (const m of text.matchAll(ANY_BRACES)) {
    PLACEHOLDER.lastIndex = 0;
    const whole = new RegExp(`^${PLACEHOLDER.source}$`);
    if (!whole.test(m[0])) bad.push(m[0]);
  }
  return bad;
}

const MONTH_PREFIXES = MONTHS.map((m) => m.slice(0, 3).toLowerCase());

/** The tokens of a cookie-date, split at the delimiters of §5.1.1. */
function dateTokens(text: string): string[] {
  return text.split(/[\x09\x20-\x2F\x3B-\x40\x5B-\x60\x7B-\x7E]+/).filter((t) => t.length > 0);
}

/**
 * A literal cookie-date as the §5.1.1 algorithm reads it (UTC, in ms), or null
 * when the algorithm fails and a user agent ignores the attribute. Validation
 * uses it to tell a literal date that can rot (one still in the future) from
 * one that is past for good.
 */
export function literalCookieDate(text: string): number | null {
  let time: number[] | undefined;
  let day: number | undefined;
  let month: number | undefined;
  let year: number | undefined;
  for (const token of dateTokens(text)) {
    const t = !time && /^(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\D|$)/.exec(token);
    if (t) {
      time = [Number(t[1]), Number(t[2]), Number(t[3])];
      continue;
    }
    const d = day === undefined && /^(\d{1,2})(?:\D|$)/.exec(token);
    if (d) {
      day = Number(d[1]);
      continue;
    }
    const m = month === undefined ? MONTH_PREFIXES.indexOf(token.slice(0, 3).toLowerCase()) : -1;
    if (m >= 0) {
      month = m;
      continue;
    }
    const y = year === undefined && /^(\d{2,4})(?:\D|$)/.exec(token);
    if (y) year = Number(y[1]);
  }
  if (year !== undefined && year >= 70 && year <= 99) year += 1900;
  if (year !== undefined && year >= 0 && year <= 69) year += 2000;
  if (!time || day === undefined || month === undefined || year === undefined) return null;
  if (day < 1 || day > 31 || year < 1601 || time[0]! > 23 || time[1]! > 59 || time[2]! > 59) return null;
  const ms = Date.UTC(year, month, day, time[0], time[1], time[2]);
  // Date.UTC rolls 31 February over into March; §5.1.1 fails such a date.
  return new Date(ms).getUTCDate() === day ? ms : null;
}

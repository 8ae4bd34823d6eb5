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
      case 'a': return DAYS[d.getUTCDay()]!.slice(0, 3);
      case 'A': return DAYS[d.getUTCDay()]!;
      case 'b': return MONTHS[d.getUTCMonth()]!.slice(0, 3);
      case 'B': return MONTHS[d.getUTCMonth()]!;
      case 'd': return pad(d.getUTCDate());
      case 'e': return String(d.getUTCDate()).padStart(2, ' ');
      case 'H': return pad(d.getUTCHours());
      case 'M': return pad(d.getUTCMinutes());
      case 'S': return pad(d.getUTCSeconds());
      case 'y': return pad(d.getUTCFullYear() % 100);
      case 'Y': return pad(d.getUTCFullYear(), 4);
      case 'm': return pad(d.getUTCMonth() + 1);
      default: return '%';
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

/**
 * rfc6265bis §5.1.1 "Dates": the cookie-date algorithm. RFC 6265 §5.1.1 is the
 * same algorithm. Input is a string of octets (one char per octet); the result
 * is milliseconds since the epoch (UTC), or null when the date fails to parse.
 */

/** %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E */
export function isDelimiter(code: number): boolean {
  return code === 0x09 || (code >= 0x20 && code <= 0x2f) || (code >= 0x3b && code <= 0x40) || (code >= 0x5b && code <= 0x60) || (code >= 0x7b && code <= 0x7e);
}

/** Step 1: split the cookie-date into date-tokens (runs of non-delimiters). */
export function dateTokens(cookieDate: string): string[] {
  const tokens: string[] = [];
  let current = '';
  for (let i = 0; i < cookieDate.length; i++) {
    const code = cookieDate.charCodeAt(i);
    if (isDelimiter(code)) {
      if (current) tokens.push(current);
      current = '';
    } else {
      current += cookieDate[i];
    }
  }
  if (current) tokens.push(current);
  return tokens;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

// The productions of step 1. "[ non-digit *OCTET ]" means: after the digits,
// either nothing or a non-digit followed by anything. The s flag lets "." match
// every octet.
const TIME = /^(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\D.*)?$/s;
const DAY_OF_MONTH = /^(\d{1,2})(?:\D.*)?$/s;
const YEAR = /^(\d{2,4})(?:\D.*)?$/s;

export function parseCookieDate(cookieDate: string): number | null {
  let time: [number, number, number] | undefined;
  let dayOfMonth: number | undefined;
  let month: number | undefined;
  let year: number | undefined;

  // Step 2: each token sets the first field it matches that is not yet found.
  for (const token of dateTokens(cookieDate)) {
    let m: RegExpExecArray | null;
    if (time === undefined && (m = TIME.exec(token))) {
      time = [Number(m[1]), Number(m[2]), Number(m[3])];
      continue;
    }
    if (dayOfMonth === undefined && (m = DAY_OF_MONTH.exec(token))) {
      dayOfMonth = Number(m[1]);
      continue;
    }
    if (month === undefined && token.length >= 3) {
      const index = MONTHS.indexOf(token.slice(0, 3).toLowerCase());
      if (index >= 0) {
        month = index;
        continue;
      }
    }
    if (year === undefined && (m = YEAR.exec(token))) {
      year = Number(m[1]);
      continue;
    }
  }

  // Steps 3 and 4: two-digit years.
  if (year !== undefined && year >= 70 && year <= 99) year += 1900;
  if (year !== undefined && year >= 0 && year <= 69) year += 2000;

  // Step 5: every field found, and each in range.
  if (time === undefined || dayOfMonth === undefined || month === undefined || year === undefined) return null;
  if (dayOfMonth < 1 || dayOfMonth > 31) return null;
  if (year < 1601) return null;
  const [hour, minute, second] = time;
  if (hour > 23 || minute > 59 || second > 59) return null;

  // Step 6: the date must exist (no 31 April, no 29 February in 2023).
  const ms = Date.UTC(year, month, dayOfMonth, hour, minute, second);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month || check.getUTCDate() !== dayOfMonth) return null;
  return ms;
}

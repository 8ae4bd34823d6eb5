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
  let start = -1; // where the current token starts; -1 between tokens
  for (let i = 0; i < cookieDate.length; i++) {
    if (isDelimiter(cookieDate.charCodeAt(i))) {
      if (start >= 0) tokens.push(cookieDate.slice(start, i));
      start = -1;
    } else if (start < 0) {
      start = i;
    }
  }
  if (start >= 0) tokens.push(cookieDate.slice(start));
  return tokens;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

const isDigit = (code: number) => code >= 0x30 && code <= 0x39;

/**
 * The productions of step 1 end in "[ non-digit *OCTET ]": after their digits,
 * either nothing or a non-digit followed by anything. This reads `min` to `max`
 * DIGITs at `from` and returns where they end, or -1 when there are fewer, or
 * more (a further digit is no non-digit). A small scanner rather than regular
 * expressions: every Expires attribute comes through here.
 */
function digitsEnd(token: string, from: number, min: number, max: number): number {
  let end = from;
  while (end < token.length && end - from <= max && isDigit(token.charCodeAt(end))) end++;
  const count = end - from;
  return count >= min && count <= max ? end : -1;
}

/** The value of the DIGITs of token from `from` to `end`. */
function digitsValue(token: string, from: number, end: number): number {
  let value = 0;
  for (let i = from; i < end; i++) value = value * 10 + token.charCodeAt(i) - 0x30;
  return value;
}

/** time = hms-time [ non-digit *OCTET ]; hms-time = time-field ":" time-field ":" time-field; time-field = 1*2DIGIT. */
function timeOf(token: string): [number, number, number] | undefined {
  const h = digitsEnd(token, 0, 1, 2);
  if (h < 0 || token.charCodeAt(h) !== 0x3a) return undefined;
  const m = digitsEnd(token, h + 1, 1, 2);
  if (m < 0 || token.charCodeAt(m) !== 0x3a) return undefined;
  const s = digitsEnd(token, m + 1, 1, 2);
  if (s < 0) return undefined;
  return [digitsValue(token, 0, h), digitsValue(token, h + 1, m), digitsValue(token, m + 1, s)];
}

/** day-of-month = 1*2DIGIT [ non-digit *OCTET ]; year = 2*4DIGIT [ non-digit *OCTET ]. */
function leadingNumber(token: string, min: number, max: number): number | undefined {
  const end = digitsEnd(token, 0, min, max);
  return end < 0 ? undefined : digitsValue(token, 0, end);
}

export function parseCookieDate(cookieDate: string): number | null {
  let time: [number, number, number] | undefined;
  let dayOfMonth: number | undefined;
  let month: number | undefined;
  let year: number | undefined;

  // Step 2: each token sets the first field it matches that is not yet found.
  for (const token of dateTokens(cookieDate)) {
    if (time === undefined && (time = timeOf(token)) !== undefined) continue;
    if (dayOfMonth === undefined && (dayOfMonth = leadingNumber(token, 1, 2)) !== undefined) continue;
    if (month === undefined && token.length >= 3) {
      const index = MONTHS.indexOf(token.slice(0, 3).toLowerCase());
      if (index >= 0) {
        month = index;
        continue;
      }
    }
    if (year === undefined && (year = leadingNumber(token, 2, 4)) !== undefined) continue;
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

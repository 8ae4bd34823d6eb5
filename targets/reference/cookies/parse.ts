/**
 * rfc6265bis §5.6 "The Set-Cookie Header Field": parsing a set-cookie-string
 * into a name, a value and a cookie-attribute-list, with the attribute rules of
 * §5.6.1 to §5.6.7. Strings here are octet strings (one char per octet).
 */
import { parseCookieDate } from './date.js';
import { defaultPath } from './path.js';
import type { Profile } from './profile.js';

export type SameSiteValue = 'Strict' | 'Lax' | 'None' | 'Default';

export type CookieAttribute =
  | { name: 'Expires'; value: number }
  | { name: 'Max-Age'; value: number }
  | { name: 'Domain'; value: string }
  | { name: 'Path'; value: string }
  | { name: 'Secure' }
  | { name: 'HttpOnly' }
  | { name: 'SameSite'; value: SameSiteValue };

export interface ParsedCookie {
  name: string;
  value: string;
  attributes: CookieAttribute[];
}

export interface ParseContext {
  profile: Profile;
  /** The current time, in milliseconds since the epoch. */
  now: number;
  /** The path portion of the request-uri, for the default-path. */
  requestPath: string;
}

const isWsp = (code: number) => code === 0x20 || code === 0x09;

/**
 * s.slice(start, end) with WSP (SP and HTAB) trimmed from both ends, without the untrimmed
 * slice: the parse below takes its pieces by position, not by copies of the
 * rest of the string.
 */
function trimmedSlice(s: string, start: number, end: number): string {
  while (start < end && isWsp(s.charCodeAt(start))) start++;
  while (end > start && isWsp(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** %x00-08 / %x0A-1F / %x7F: the CTLs except HTAB. */
export function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if ((code <= 0x1f && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

const EARLIEST = -8.64e15;

/** One or more DIGITs. */
function isDigits(s: string): boolean {
  if (s === '') return false;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}

/** ASCII upper-case letters to lower case, and no other character (the value is octets: toLowerCase would change some above 0x7F). */
function asciiLowerCase(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code >= 0x41 && code <= 0x5a) return s.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
  }
  return s;
}

/** Returns the parsed cookie, or null when the set-cookie-string is ignored entirely. */
export function parseSetCookie(setCookieString: string, ctx: ParseContext): ParsedCookie | null {
  const { profile } = ctx;
  // Step 1: CTLs other than HTAB reject the whole string.
  if (profile.rejectControlCharacters && hasControlCharacter(setCookieString)) return null;

  // Step 2: the name-value-pair runs up to the first ";"; the unparsed-attributes are the rest, from that ";" on.
  // (Positions in setCookieString stand for the two strings: `semicolon` is where the unparsed-attributes start.)
  const length = setCookieString.length;
  let semicolon = setCookieString.indexOf(';');
  if (semicolon < 0) semicolon = length;

  // Step 3: split at the first "="; without one, the name is empty.
  let equals = setCookieString.indexOf('=');
  if (equals > semicolon) equals = -1;
  let name: string;
  let value: string;
  // Step 4: trim WSP from both.
  if (equals < 0) {
    if (!profile.allowNamelessCookies) return null;
    name = '';
    value = trimmedSlice(setCookieString, 0, semicolon);
  } else {
    name = trimmedSlice(setCookieString, 0, equals);
    value = trimmedSlice(setCookieString, equals + 1, semicolon);
  }
  if (!profile.allowNamelessCookies && name === '') return null;

  // Step 5: name and value together at most 4096 octets.
  if (profile.nameValueLimit !== null && name.length + value.length > profile.nameValueLimit) return null;

  // The attribute loop, while the unparsed-attributes (from `position` on) are not empty.
  const attributes: CookieAttribute[] = [];
  for (let position = semicolon; position < length;) {
    // Steps 2 and 3: drop the leading ";" and take up to the next one (the cookie-av runs from `start` to `end`).
    const start = position + 1;
    let end = setCookieString.indexOf(';', start);
    if (end < 0) end = length;
    position = end;

    // Step 4: name and value split at the first "=".
    let eq = setCookieString.indexOf('=', start);
    if (eq > end) eq = -1;
    // Step 5: trim WSP.
    const attributeName = trimmedSlice(setCookieString, start, eq >= 0 ? eq : end);
    const attributeValue = eq >= 0 ? trimmedSlice(setCookieString, eq + 1, end) : '';

    // Step 6: overlong attribute values are ignored.
    if (profile.attributeValueLimit !== null && attributeValue.length > profile.attributeValueLimit) continue;

    // Step 7: the attribute sections; unknown names are ignored.
    const attribute = processAttribute(attributeName.toLowerCase(), attributeValue, ctx);
    if (attribute) attributes.push(attribute);
  }
  return { name, value, attributes };
}

function processAttribute(lowerName: string, value: string, ctx: ParseContext): CookieAttribute | null {
  const { profile, now } = ctx;
  const limitMs = profile.maxLifetimeSeconds === null ? null : now + profile.maxLifetimeSeconds * 1000;
  switch (lowerName) {
    case 'expires': {
      // §5.6.1: an unparseable date is ignored; a date past the lifetime limit is reduced to it.
      let expiry = parseCookieDate(value);
      if (expiry === null) return null;
      if (limitMs !== null && expiry > limitMs) expiry = limitMs;
      return { name: 'Expires', value: expiry };
    }
    case 'max-age': {
      // §5.6.2 (6265 §5.2.2 allows a lone leading "-" to be followed by anything; such values convert to no number and are ignored here).
      if (value === '') return null;
      const leadingMinus = value[0] === '-';
      const digits = leadingMinus ? value.slice(1) : value;
      if (!isDigits(digits)) return null;
      let deltaSeconds = Number((leadingMinus ? '-' : '') + digits);
      if (profile.maxLifetimeSeconds !== null) deltaSeconds = Math.min(deltaSeconds, profile.maxLifetimeSeconds);
      const expiry = deltaSeconds <= 0 ? EARLIEST : now + deltaSeconds * 1000;
      return { name: 'Max-Age', value: expiry };
    }
    case 'domain': {
      // §5.6.3: a leading "." is dropped, then lower case (ASCII letters only: the value is octets).
      if (value === '' && profile.ignoreEmptyDomain) return null;
      let domain = value.startsWith('.') ? value.slice(1) : value;
      domain = asciiLowerCase(domain);
      return { name: 'Domain', value: domain };
    }
    case 'path': {
      // §5.6.4: an empty value, or one not starting with "/", means the default-path.
      const path = value === '' || value[0] !== '/' ? defaultPath(ctx.requestPath) : value;
      return { name: 'Path', value: path };
    }
    case 'secure':
      return { name: 'Secure' };
    case 'httponly':
      return { name: 'HttpOnly' };
    case 'samesite': {
      // §5.6.7: unknown values enforce "Default".
      if (!profile.sameSite) return null;
      const lower = value.toLowerCase();
      const enforcement: SameSiteValue = lower === 'none' ? 'None' : lower === 'strict' ? 'Strict' : lower === 'lax' ? 'Lax' : 'Default';
      return { name: 'SameSite', value: enforcement };
    }
    default:
      return null;
  }
}

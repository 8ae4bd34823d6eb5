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

/** WSP is SP and HTAB. */
function trimWsp(s: string): string {
  let start = 0;
  let end = s.length;
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

/** Returns the parsed cookie, or null when the set-cookie-string is ignored entirely. */
export function parseSetCookie(setCookieString: string, ctx: ParseContext): ParsedCookie | null {
  const { profile } = ctx;
  // Step 1: CTLs other than HTAB reject the whole string.
  if (profile.rejectControlCharacters && hasControlCharacter(setCookieString)) return null;

  // Step 2: the name-value-pair runs up to the first ";".
  const semicolon = setCookieString.indexOf(';');
  const nameValuePair = semicolon >= 0 ? setCookieString.slice(0, semicolon) : setCookieString;
  let unparsedAttributes = semicolon >= 0 ? setCookieString.slice(semicolon) : '';

  // Step 3: split at the first "="; without one, the name is empty.
  const equals = nameValuePair.indexOf('=');
  let name: string;
  let value: string;
  if (equals < 0) {
    if (!profile.allowNamelessCookies) return null;
    name = '';
    value = nameValuePair;
  } else {
    name = nameValuePair.slice(0, equals);
    value = nameValuePair.slice(equals + 1);
  }

  // Step 4: trim WSP from both.
  name = trimWsp(name);
  value = trimWsp(value);
  if (!profile.allowNamelessCookies && name === '') return null;

  // Step 5: name and value together at most 4096 octets.
  if (profile.nameValueLimit !== null && name.length + value.length > profile.nameValueLimit) return null;

  // The attribute loop.
  const attributes: CookieAttribute[] = [];
  while (unparsedAttributes !== '') {
    // Steps 2 and 3: drop the leading ";" and take up to the next one.
    unparsedAttributes = unparsedAttributes.slice(1);
    const next = unparsedAttributes.indexOf(';');
    const cookieAv = next >= 0 ? unparsedAttributes.slice(0, next) : unparsedAttributes;
    unparsedAttributes = next >= 0 ? unparsedAttributes.slice(next) : '';

    // Step 4: name and value split at the first "=".
    const eq = cookieAv.indexOf('=');
    // Step 5: trim WSP.
    const attributeName = trimWsp(eq >= 0 ? cookieAv.slice(0, eq) : cookieAv);
    const attributeValue = trimWsp(eq >= 0 ? cookieAv.slice(eq + 1) : '');

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
      if (!/^[0-9]+$/.test(digits)) return null;
      let deltaSeconds = Number((leadingMinus ? '-' : '') + digits);
      if (profile.maxLifetimeSeconds !== null) deltaSeconds = Math.min(deltaSeconds, profile.maxLifetimeSeconds);
      const expiry = deltaSeconds <= 0 ? EARLIEST : now + deltaSeconds * 1000;
      return { name: 'Max-Age', value: expiry };
    }
    case 'domain': {
      // §5.6.3: a leading "." is dropped, then lower case (ASCII letters only: the value is octets).
      if (value === '' && profile.ignoreEmptyDomain) return null;
      let domain = value.startsWith('.') ? value.slice(1) : value;
      domain = domain.replace(/[A-Z]+/g, (s) => s.toLowerCase());
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

/**
 * The reference cookie engine: a complete rfc6265bis user-agent cookie store,
 * written to be read beside the spec. Pure: no I/O, and time comes from the
 * injected clock. Strings are octet strings (one char per octet, as Node's
 * 'latin1' encoding gives them).
 *
 *   date.ts     §5.1.1 Dates
 *   host.ts     §5.1.2 Canonicalized Host Names, §5.1.3 Domain Matching
 *   path.ts     §5.1.4 Paths and Path-Match
 *   parse.ts    §5.6   The Set-Cookie Header Field (and §5.6.1 to §5.6.7)
 *   store.ts    §5.7   Storage Model, §5.8 Retrieval Model
 *   profile.ts  where RFC 6265 and rfc6265bis differ
 */
export { parseCookieDate, dateTokens } from './date.js';
export { canonicalizeHost, domainMatch, isIpAddress } from './host.js';
export { defaultPath, pathMatch } from './path.js';
export { parseSetCookie, type ParsedCookie, type CookieAttribute, type SameSiteValue } from './parse.js';
export { PROFILES, type Profile, type ProfileName } from './profile.js';
export { CookieStore, isPublicSuffix, isSameSite, requestUrl, siteOf, type Cookie, type RequestContext, type RequestUrl, type StoreOptions } from './store.js';

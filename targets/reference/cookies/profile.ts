/**
 * The two spec profiles the engine implements. rfc6265bis is the default and
 * the one this project's vectors are written for first; rfc6265 keeps the
 * behaviour of RFC 6265 where the two differ. Every difference is a named
 * switch here, so that a reader can see each one in one place.
 */
export type ProfileName = 'rfc6265' | 'rfc6265bis';

export interface Profile {
  name: ProfileName;
  /** bis §5.6 step 1: reject a set-cookie-string holding CTLs other than HTAB. */
  rejectControlCharacters: boolean;
  /** bis §5.6 step 3: a pair without "=" is a nameless cookie (6265 ignores the whole string, and an empty name). */
  allowNamelessCookies: boolean;
  /** bis §5.6 step 5 and §5.7 step 4: name plus value longer than 4096 octets is ignored. */
  nameValueLimit: number | null;
  /** bis §5.6 step 6 of the attributes: values longer than 1024 octets are ignored. */
  attributeValueLimit: number | null;
  /** bis §5.5: the longest lifetime Expires or Max-Age may give, in seconds (null: no limit). */
  maxLifetimeSeconds: number | null;
  /** 6265 §5.2.3: an empty Domain attribute is ignored; bis §5.6.3 keeps it, which makes the cookie host-only. */
  ignoreEmptyDomain: boolean;
  /** bis §5.7 steps 13 and 16: Secure cookies only from secure origins, and none overlaid from insecure ones. */
  secureOriginRules: boolean;
  /** bis §5.7 steps 18 and 19 and §5.8.3: the SameSite attribute. */
  sameSite: boolean;
  /** bis §5.7 steps 20 to 22: the __Secure- and __Host- prefixes. */
  namePrefixes: boolean;
  /** bis §5.7 step 23 counts host-only-flag in a cookie's identity; 6265 §5.3 step 11 does not. */
  hostOnlyInIdentity: boolean;
  /** bis §5.7 step 8: a Domain attribute outside US-ASCII rejects the cookie. */
  requireAsciiDomain: boolean;
}

export const PROFILES: Record<ProfileName, Profile> = {
  rfc6265bis: {
    name: 'rfc6265bis',
    rejectControlCharacters: true,
    allowNamelessCookies: true,
    nameValueLimit: 4096,
    attributeValueLimit: 1024,
    maxLifetimeSeconds: 400 * 24 * 60 * 60,
    ignoreEmptyDomain: false,
    secureOriginRules: true,
    sameSite: true,
    namePrefixes: true,
    hostOnlyInIdentity: true,
    requireAsciiDomain: true,
  },
  rfc6265: {
    name: 'rfc6265',
    rejectControlCharacters: false,
    allowNamelessCookies: false,
    nameValueLimit: null,
    attributeValueLimit: null,
    maxLifetimeSeconds: null,
    ignoreEmptyDomain: true,
    secureOriginRules: false,
    sameSite: false,
    namePrefixes: false,
    hostOnlyInIdentity: false,
    requireAsciiDomain: false,
  },
};

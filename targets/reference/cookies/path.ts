/**
 * rfc6265bis §5.1.4 "Paths and Path-Match" (the same in RFC 6265 §5.1.4).
 */

/** The default-path of a cookie, from the path portion of the request-uri. */
export function defaultPath(uriPath: string): string {
  // Step 2: empty, or not starting with "/".
  if (uriPath === '' || uriPath[0] !== '/') return '/';
  // Step 3: no more than one "/".
  const last = uriPath.lastIndexOf('/');
  if (last === 0) return '/';
  // Step 4: up to, not including, the right-most "/".
  return uriPath.slice(0, last);
}

/** Does the request-path path-match the cookie-path? */
export function pathMatch(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath.charAt(cookiePath.length) === '/';
}

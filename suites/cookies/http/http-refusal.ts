/**
 * A response an HTTP client may refuse before any cookie rule applies.
 *
 * RFC 9110 §5.5 makes a field value holding a control octet other than HTAB
 * invalid, and lets a recipient reject such a message (CR, LF and NUL never
 * reach a vector: validation refuses them). Several vectors put exactly such an
 * octet in a Set-Cookie field, because rfc6265bis §5.6 step 1 and §5.7 step 3
 * say what a user agent does with it once it parses the field. A client whose
 * HTTP layer refuses the whole response never gets that far: the vector cannot
 * observe its cookie behaviour, so its verdict is `unsupported`, with the
 * client's own error, rather than a failure of a cookie rule.
 */

/** The first octet of a Set-Cookie value that RFC 9110 makes invalid in a field value (a CTL other than HTAB), or -1. */
export function invalidFieldOctet(value: Buffer): number {
  for (const b of value) if ((b < 0x20 && b !== 0x09) || b === 0x7f) return b;
  return -1;
}

/**
 * Why the vector's result says nothing about cookies, if it does not: a request
 * whose response carries such an octet, made by a navigation that the client
 * reported as failed. `navigationOf` maps each request the client started
 * itself to its navigation; a redirect hop belongs to the navigation of its chain.
 */
export function refusedResponse(setCookies: Buffer[][], navigationOf: Map<number, number>, navigationErrors: (string | undefined)[]): string | undefined {
  let navigation = -1;
  for (let i = 0; i < setCookies.length; i++) {
    navigation = navigationOf.get(i) ?? navigation;
    const error = navigation >= 0 ? navigationErrors[navigation] : undefined;
    if (!error) continue;
    for (const value of setCookies[i]!) {
      const octet = invalidFieldOctet(value);
      if (octet < 0) continue;
      const hex = `0x${octet.toString(16).padStart(2, '0')}`;
      // The client's message may quote the field, control octet included: shown escaped, as reports must carry it.
      const said = error.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
      return (
        `the client refused response ${i + 1} at the HTTP layer (it said: ${said}); its Set-Cookie field holds the control octet ${hex}, ` +
        'which RFC 9110 §5.5 makes invalid in a field value and lets a recipient reject, so the cookie rules this vector checks were never reached'
      );
    }
  }
  return undefined;
}

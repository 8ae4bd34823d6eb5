/**
 * rfc6265bis §5.1.2 "Canonicalized Host Names" and §5.1.3 "Domain Matching".
 */
import { isIP } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';

/** An IP address literal, as it appears in a URL's host (IPv6 in brackets). */
export function isIpAddress(host: string): boolean {
  // Neither IPv4 (its last character is a digit) nor IPv6 (it holds a colon): a name, without asking isIP's patterns.
  const last = host.charCodeAt(host.length - 1);
  if (!(last >= 0x30 && last <= 0x39) && !host.includes(':')) return false;
  if (host.startsWith('[') && host.endsWith(']')) return isIP(host.slice(1, -1)) === 6;
  return isIP(host) !== 0;
}

/** Non-Reserved LDH label (RFC 5890 §2.3.1): letters, digits, hyphens; no hyphen at either end; no "--" in positions 3 and 4. */
function isNrLdhLabel(label: string): boolean {
  return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label) && label.slice(2, 4) !== '--';
}

/** An A-label that decodes to a valid U-label and encodes back to itself (otherwise a "Fake A-label"). */
function isRealALabel(label: string): boolean {
  if (!label.startsWith('xn--')) return false;
  const unicode = domainToUnicode(label);
  if (!unicode || unicode === label) return false;
  return domainToASCII(unicode) === label;
}

/**
 * The canonicalized host name, or null when canonicalization fails. IP address
 * literals are host names of no labels to convert; they are kept as they are.
 */
export function canonicalizeHost(host: string): string | null {
  if (isIpAddress(host)) return host.toLowerCase();
  // Step 3 (U-label to A-label) and lower-casing, by IDNA processing (UTS #46, as in URLs).
  const ascii = domainToASCII(host);
  if (!ascii) return null;
  // Steps 1, 2 and 4: every label an A-label or an NR-LDH label; no fake A-labels.
  for (const label of ascii.split('.')) {
    if (label.startsWith('xn--')) {
      if (!isRealALabel(label)) return null;
    } else if (!isNrLdhLabel(label)) {
      return null;
    }
  }
  return ascii;
}

/** §5.1.3: does `string` domain-match `domain`? Both are canonicalized. */
export function domainMatch(string: string, domain: string): boolean {
  if (string === domain) return true;
  return string.endsWith(domain) && string.charAt(string.length - domain.length - 1) === '.' && !isIpAddress(string);
}

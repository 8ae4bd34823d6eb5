/**
 * The "site for cookies" of the client that makes a browser request
 * (rfc6265bis §5.2.1 for documents, §5.2.2.1 for dedicated and shared
 * workers), step by step. A request is same-site when its URL's origin is
 * same-site with its client's site for cookies (§5.2 step 2).
 */
import { isSameSite } from './store.js';

/** An origin as "same site" sees it (scheme and host), or an opaque origin. */
export type Site = URL | 'opaque';

/** A document in a chain of navigables: its URL, and whether its sandboxed origin browsing context flag is set. */
export interface DocumentItem {
  url: URL;
  sandboxed: boolean;
}

/** An opaque origin is same-site with nothing else here: the only one compared is one of these algorithms' results. */
export function sameSite(a: Site, b: Site): boolean {
  return a !== 'opaque' && b !== 'opaque' && isSameSite(a, b);
}

/** A document's origin: its URL's, or a fresh opaque origin when it is sandboxed. */
function originOf(item: DocumentItem): Site {
  return item.sandboxed ? 'opaque' : item.url;
}

/** §5.2.1 steps 2 and 4.1: a sandboxed document counts with the origin of its URI, not its opaque origin. */
function originForCookies(item: DocumentItem): Site {
  return item.sandboxed ? item.url : originOf(item);
}

/** §5.2.1: chain is the document's inclusive ancestors' active documents, the top-level one first. */
export function documentSiteForCookies(chain: DocumentItem[]): Site {
  const topOrigin = originForCookies(chain[0]!); // steps 1 and 2
  for (const item of chain) {
    // steps 3 and 4
    if (!sameSite(originForCookies(item), topOrigin)) return 'opaque'; // steps 4.1 and 4.2
  }
  return topOrigin; // step 5
}

/** §5.2.2.1: a worker's site for cookies, from its origin and the chains of the documents it is bound to. */
export function workerSiteForCookies(workerOrigin: Site, documents: DocumentItem[][]): Site {
  const site = workerOrigin; // step 1
  for (const chain of documents) {
    // step 2
    const documentSite = documentSiteForCookies(chain); // step 2.1
    if (!sameSite(documentSite, site)) return 'opaque'; // step 2.2
  }
  return site; // step 3
}

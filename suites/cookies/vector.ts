/**
 * What a cookie vector is (vectors/schema/cookie-vectors.schema.json), and the
 * checks a schema cannot express.
 */
import type { VectorCommon } from '../../runner/vectors.js';
import { InputError } from '../../runner/errors.js';
import type { JsonSource } from '../../runner/json-source.js';
import type { LoadedVector } from '../../runner/suite.js';
import type { HeaderValue } from './bytes.js';
import { toBytes } from './bytes.js';
import { badPlaceholders, literalCookieDate, twoDigitYearPlaceholder } from './time.js';

export type Profile = 'rfc6265' | 'rfc6265bis';
export const PROFILE_NAMES: Profile[] = ['rfc6265', 'rfc6265bis'];
export const DEFAULT_PROFILE: Profile = 'rfc6265bis';

/** Strictly no Cookie header field (an empty one does not count as none). */
export type Absent = { absent: true };
export type Expectation = null | HeaderValue | Absent;
export type ExpectedCookie = Expectation | Partial<Record<Profile, Expectation>>;

export function isAbsent(e: unknown): e is Absent {
  return e !== null && typeof e === 'object' && 'absent' in e;
}

/** One operation of the non-HTTP API (document.cookie) in the document a request loads. */
export type ScriptOp = { set: string } | { read: string };

/** What makes a browser's request; see the schema and docs/vectors.md. */
export type Destination = 'document' | 'iframe' | 'image' | 'worker' | 'shared-worker';
export interface RequestContext {
  initiator?: string;
  destination?: Destination;
  /** The top-level document that holds the initiator in a frame (the initiator is then not at top level). */
  top?: string;
  /** The initiator document is sandboxed into an opaque origin (its sandboxed origin browsing context flag is set). */
  sandbox?: true;
}

/** The request is fetched by a worker the initiator document starts (rfc6265bis §5.2.2.1). */
export function isWorker(d: Destination | undefined): boolean {
  return d === 'worker' || d === 'shared-worker';
}

export interface CookieRequest {
  url: string;
  method?: string;
  advance?: number;
  context?: RequestContext;
  cookie?: ExpectedCookie;
  /** The user reloads the previous request's document from the browser's interface. */
  reload?: true;
  /** Runs in the loaded document once the response is processed: document.cookie writes and exact reads. */
  script?: ScriptOp[];
  response?: { status?: number; setCookie?: HeaderValue[]; location?: string };
  note?: string;
}

export interface CookieVector extends VectorCommon {
  ua: 'any' | 'browser' | 'non-browser';
  profiles?: Profile[];
  clock?: { start: string };
  requests: CookieRequest[];
}

export function vectorProfiles(v: CookieVector): Profile[] {
  return v.profiles ?? PROFILE_NAMES;
}

function isProfileMap(e: ExpectedCookie | undefined): e is Partial<Record<Profile, Expectation>> {
  return e !== null && e !== undefined && typeof e === 'object' && !('hex' in e) && !isAbsent(e);
}

/** The expectation of one request under a profile: undefined means the request is not checked. */
export function expectationFor(e: ExpectedCookie | undefined, profile: Profile): Expectation | undefined {
  if (isProfileMap(e)) return profile in e ? e[profile] : undefined;
  return e;
}

/** Uses the non-HTTP API (document.cookie): needs a target that can run script in a document. */
export function usesScript(v: CookieVector): boolean {
  return v.requests.some((r) => r.script !== undefined);
}

/** A document.cookie operation as adapters get it: the string to write, or a read whose value they return. */
export type AdapterScriptOp = { set: string } | { read: true };

/** The script as adapters get it: the expected values of reads stay with the verdict. */
export function adapterScript(script: ScriptOp[] | undefined): AdapterScriptOp[] | undefined {
  return script?.map((op) => ('set' in op ? { set: op.set } : { read: true }));
}

/** Needs a target that can set its clock. */
export function needsClock(v: CookieVector): boolean {
  return v.clock !== undefined || v.requests.some((r) => (r.advance ?? 0) > 0);
}

/**
 * Clock-free vectors run at the real time. A literal Expires date that is still
 * in the future when the vector is validated will one day be past, and the
 * verdict would change with it; a date already past stays past for good.
 */
export function rottingExpires(setCookie: string, now = Date.now()): string | undefined {
  return expiresValues(setCookie).find((value) => {
    const date = literalCookieDate(value.replace(/\{\{[^}]*\}\}/g, ''));
    return date !== null && date > now;
  });
}

/** The first octet of a Set-Cookie value that cannot travel in an HTTP/1.1 header field (NUL, CR, LF). */
export function unsendableOctet(value: HeaderValue): { octet: number; offset: number } | undefined {
  const bytes = toBytes(value);
  const offset = bytes.findIndex((b) => b === 0x00 || b === 0x0d || b === 0x0a);
  return offset < 0 ? undefined : { octet: bytes[offset]!, offset };
}

export function loadCookieVectors(source: JsonSource): { vectors: LoadedVector<CookieVector>[]; errors: InputError[] } {
  const doc = source.value as { vectors: CookieVector[] };
  const vectors: LoadedVector<CookieVector>[] = [];
  const errors: InputError[] = [];
  doc.vectors.forEach((v, i) => {
    const at = `/vectors/${i}`;
    const before = errors.length;
    const profiles = vectorProfiles(v);
    v.requests.forEach((r, j) => {
      const rat = `${at}/requests/${j}`;
      let url: URL | undefined;
      try {
        url = new URL(r.url);
      } catch {
        errors.push(source.error(`${rat}/url`, `not a valid URL: ${r.url}`));
      }
      if (r.context && v.ua !== 'browser')
        errors.push(source.error(`${rat}/context`, 'a request context only means something to browsers: set "ua": "browser"'));
      if (r.context?.initiator) {
        try {
          new URL(r.context.initiator);
        } catch {
          errors.push(source.error(`${rat}/context/initiator`, 'not a valid URL'));
        }
      }
      if (r.context) errors.push(...contextErrors(source, `${rat}/context`, r.context));
      const location = r.response?.location;
      if (location !== undefined && url) {
        const next = v.requests[j + 1];
        let target: string | undefined;
        try {
          target = new URL(location, url).href;
        } catch {
          errors.push(source.error(`${rat}/response/location`, `not a valid URL reference: ${location}`));
        }
        if (!next) errors.push(source.error(`${rat}/response/location`, 'a redirect must be followed by the request it leads to'));
        else if (next.context !== undefined && !sameContext(next.context, r.context))
          errors.push(
            source.error(
              `${at}/requests/${j + 1}/context`,
              'follows a redirect, so it is made in the context of the request before it: leave the context out or give the same one',
            ),
          );
        else if (target && safeHref(next.url) !== target)
          errors.push(source.error(`${at}/requests/${j + 1}/url`, `follows a redirect to ${target}, so it must be that URL`));
        const status = r.response?.status;
        if (status !== undefined && (status < 300 || status > 399)) errors.push(source.error(`${rat}/response/status`, 'a redirect needs a 3xx status'));
      }
      if (r.reload) {
        const prev = v.requests[j - 1];
        if (v.ua !== 'browser') errors.push(source.error(`${rat}/reload`, 'only a browser reloads a document: set "ua": "browser"'));
        if (r.context) errors.push(source.error(`${rat}/context`, 'a reload is made in the context of the document it reloads: leave the context out'));
        if ((r.method ?? 'GET') !== 'GET') errors.push(source.error(`${rat}/method`, 'a reload from the browser interface is a GET here'));
        if (
          !prev ||
          prev.response?.location !== undefined ||
          (prev.context?.destination ?? 'document') !== 'document' ||
          safeHref(prev.url) !== safeHref(r.url)
        )
          errors.push(source.error(`${rat}/reload`, "a reload follows the request that loaded a top-level document, with that document's URL"));
      }
      if (r.script) {
        // The script runs in the document the request loads: a navigation the client starts itself, which ends there.
        if (v.ua !== 'browser') errors.push(source.error(`${rat}/script`, 'document.cookie only exists in browsers: set "ua": "browser"'));
        if (r.context?.destination === 'image' || isWorker(r.context?.destination))
          errors.push(
            source.error(
              `${rat}/script`,
              `${r.context?.destination === 'image' ? 'an image is' : "a worker's request loads"} not a document: a script needs destination document or iframe`,
            ),
          );
        if (location !== undefined)
          errors.push(source.error(`${rat}/script`, 'a redirect response loads no document: put the script on the request the redirect leads to'));
        if (j > 0 && v.requests[j - 1]!.response?.location)
          errors.push(
            source.error(
              `${rat}/script`,
              'a request that follows a redirect is made by the client itself: run the script in a document the vector loads directly',
            ),
          );
      }
      if (isProfileMap(r.cookie)) {
        for (const p of Object.keys(r.cookie)) {
          if (!profiles.includes(p as Profile))
            errors.push(source.error(`${rat}/cookie/${p}`, `profile ${p} is not among the vector's profiles (${profiles.join(', ')})`));
        }
      }
      (r.response?.setCookie ?? []).forEach((h, k) => {
        const unsendable = unsendableOctet(h);
        if (unsendable)
          errors.push(
            source.error(
              `${rat}/response/setCookie/${k}`,
              `octet 0x${unsendable.octet.toString(16).padStart(2, '0')} at offset ${unsendable.offset}: a Set-Cookie value cannot hold NUL, CR or LF, which cannot travel in an HTTP/1.1 header field`,
            ),
          );
        if (typeof h !== 'string') return;
        for (const bad of badPlaceholders(h)) errors.push(source.error(`${rat}/response/setCookie/${k}`, `unknown placeholder ${bad} (see docs/vectors.md)`));
        if (!v.clock && twoDigitYearPlaceholder(h))
          errors.push(
            source.error(
              `${rat}/response/setCookie/${k}`,
              'a two-digit year computed from the real clock rots in 2070 (70 reads as 1970): fix the clock with clock.start',
            ),
          );
        const rotting = v.clock ? undefined : rottingExpires(h);
        if (rotting !== undefined)
          errors.push(
            source.error(
              `${rat}/response/setCookie/${k}`,
              `the literal Expires date ${JSON.stringify(rotting.trim())} is still in the future, so in a vector without clock.start it will rot: write it as {{now+...}} or fix the clock`,
            ),
          );
      });
    });
    for (const p of profiles) {
      if (!v.requests.some((r) => expectationFor(r.cookie, p) !== undefined || r.script?.some((op) => 'read' in op)))
        errors.push(source.error(at, `no request states its Cookie header or a document.cookie read under profile ${p}: the vector checks nothing`));
    }
    if (errors.length === before) {
      vectors.push({
        id: v.id,
        title: v.title,
        level: v.level,
        citations: v.spec,
        flags: v.flags ?? [],
        ...(v.requirements ? { requirements: v.requirements } : {}),
        ...(v.profiles ? { profiles: v.profiles } : {}),
        source: { file: source.file, pointer: at },
        data: v,
      });
    }
  });
  return { vectors, errors };
}

/** The values of the Expires attributes of a set-cookie-string, split the way §5.6 splits. */
function expiresValues(setCookie: string): string[] {
  return setCookie
    .split(';')
    .slice(1)
    .map((av) => av.split('='))
    .filter(([name]) => name!.trim().toLowerCase() === 'expires')
    .map(([, ...rest]) => rest.join('='));
}

/** The same request context: the same initiator, destination (document when not given), top document and sandboxing. */
function sameContext(a: CookieRequest['context'], b: CookieRequest['context']): boolean {
  return (
    a?.initiator === b?.initiator &&
    (a?.destination ?? 'document') === (b?.destination ?? 'document') &&
    a?.top === b?.top &&
    a?.sandbox === b?.sandbox &&
    (a === undefined) === (b === undefined)
  );
}

/**
 * What the schema cannot say about a framed, sandboxed or worker context. A
 * frame's link click would navigate the frame, not the top, so a framed
 * initiator makes subresource and worker requests only; a sandboxed document
 * has an opaque origin, which can start no worker of its own origin.
 */
function contextErrors(source: JsonSource, at: string, c: RequestContext): InputError[] {
  const errors: InputError[] = [];
  const destination = c.destination ?? 'document';
  for (const key of ['top', 'sandbox'] as const) {
    if (c[key] !== undefined && c.initiator === undefined)
      errors.push(source.error(`${at}/${key}`, `${key} describes the initiator document: give context.initiator`));
  }
  if (isWorker(destination) && c.initiator === undefined)
    errors.push(source.error(`${at}/destination`, 'a worker is started by a document: give context.initiator'));
  if (c.top !== undefined) {
    try {
      new URL(c.top);
    } catch {
      errors.push(source.error(`${at}/top`, 'not a valid URL'));
    }
    if (destination !== 'image' && !isWorker(destination))
      errors.push(
        source.error(
          `${at}/top`,
          'a framed initiator makes image and worker requests only (its link would navigate the frame): use destination image, worker or shared-worker',
        ),
      );
  }
  if (c.sandbox && destination !== 'image')
    errors.push(source.error(`${at}/sandbox`, 'a sandboxed document makes image requests only (its opaque origin can start no worker): use destination image'));
  return errors;
}

function safeHref(url: string): string | undefined {
  try {
    return new URL(url).href;
  } catch {
    return undefined;
  }
}

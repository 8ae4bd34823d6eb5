/**
 * Just enough HTTP/1.1 (RFC 9112) for the origin server. Node's http module
 * will not do here: it refuses to send header octets such as 0x01 (which
 * Set-Cookie vectors need) and it normalises what it receives, while the server
 * must record the Cookie header octet for octet. So request heads are parsed
 * here, strictly and within limits, and responses are written as raw octets.
 */

export interface Limits {
  /** Longest request head (empty lines before it, request line and header fields) in octets. */
  maxHeadBytes: number;
  /** Most header fields in one request. */
  maxHeaders: number;
  /** Largest request body accepted (and discarded). */
  maxBodyBytes: number;
}

export const DEFAULT_LIMITS: Limits = { maxHeadBytes: 64 * 1024, maxHeaders: 200, maxBodyBytes: 1024 * 1024 };

export interface RequestHead {
  method: string;
  target: string;
  version: string;
  /** Header fields in order; values are the exact octets, without the surrounding optional whitespace. */
  headers: { name: string; value: Buffer }[];
}

export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Index of the end of the head (after the blank line), accepting CRLF or bare LF line ends; -1 if not there yet. */
function headEnd(buf: Buffer): number {
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] !== 0x0a) continue;
    if (buf[i + 1] === 0x0a) return i + 2;
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

/**
 * Parses a request head at the start of `buf`. Returns null while the head is
 * incomplete; throws HttpError for a malformed or oversized one.
 */
export function parseRequestHead(buf: Buffer, limits: Limits = DEFAULT_LIMITS): { head: RequestHead; length: number } | null {
  // Leading empty lines before a request line are allowed (RFC 9112 §2.2);
  // they count towards the head's length, or a client could send them forever.
  let start = 0;
  while (buf[start] === 0x0d || buf[start] === 0x0a) start++;
  const end = headEnd(buf.subarray(start));
  if (end < 0) {
    if (buf.length > limits.maxHeadBytes) throw new HttpError(431, `request head longer than ${limits.maxHeadBytes} octets`);
    return null;
  }
  if (start + end > limits.maxHeadBytes) throw new HttpError(431, `request head longer than ${limits.maxHeadBytes} octets`);
  const lines = splitLines(buf.subarray(start, start + end));
  const requestLine = lines.shift()!.toString('latin1');
  const m = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) (HTTP\/1\.[01])$/.exec(requestLine);
  if (!m) throw new HttpError(400, `malformed request line: ${JSON.stringify(requestLine.slice(0, 200))}`);
  const headers: RequestHead['headers'] = [];
  for (const line of lines) {
    if (line.length === 0) break;
    if (line[0] === 0x20 || line[0] === 0x09) throw new HttpError(400, 'obsolete line folding in a header field');
    const colon = line.indexOf(0x3a);
    const name = colon > 0 ? line.subarray(0, colon).toString('latin1') : '';
    if (!TOKEN.test(name)) throw new HttpError(400, `malformed header field: ${JSON.stringify(line.toString('latin1').slice(0, 100))}`);
    let a = colon + 1;
    let b = line.length;
    while (a < b && (line[a] === 0x20 || line[a] === 0x09)) a++;
    while (b > a && (line[b - 1] === 0x20 || line[b - 1] === 0x09)) b--;
    const value = Buffer.from(line.subarray(a, b));
    if (value.includes(0x00) || value.includes(0x0d)) throw new HttpError(400, `header field ${name} holds NUL or a bare CR`);
    headers.push({ name, value });
    if (headers.length > limits.maxHeaders) throw new HttpError(431, `more than ${limits.maxHeaders} header fields`);
  }
  return { head: { method: m[1]!, target: m[2]!, version: m[3]!, headers }, length: start + end };
}

function splitLines(head: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < head.length; i++) {
    if (head[i] !== 0x0a) continue;
    let to = i;
    if (to > from && head[to - 1] === 0x0d) to--;
    lines.push(head.subarray(from, to));
    from = i + 1;
  }
  return lines;
}

export function headerValues(head: RequestHead, name: string): Buffer[] {
  const lower = name.toLowerCase();
  return head.headers.filter((h) => h.name.toLowerCase() === lower).map((h) => h.value);
}

/** How many body octets follow the head; throws for what the server does not accept. */
export function bodyLength(head: RequestHead, limits: Limits = DEFAULT_LIMITS): number {
  if (headerValues(head, 'transfer-encoding').length) throw new HttpError(501, 'chunked request bodies are not supported by the origin server');
  const lengths = headerValues(head, 'content-length').map((v) => v.toString('latin1'));
  if (lengths.length === 0) return 0;
  if (new Set(lengths).size !== 1 || !/^[0-9]{1,10}$/.test(lengths[0]!)) throw new HttpError(400, `invalid Content-Length: ${lengths.join(', ')}`);
  const n = Number(lengths[0]);
  if (n > limits.maxBodyBytes) throw new HttpError(413, `request body of ${n} octets is larger than ${limits.maxBodyBytes}`);
  return n;
}

const REASONS: Record<number, string> = {
  200: 'OK',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  404: 'Not Found',
  408: 'Request Timeout',
  413: 'Content Too Large',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  501: 'Not Implemented',
};

export interface RawResponse {
  status: number;
  /** Header fields as written: values are octets, sent as they are. */
  headers: [string, string | Buffer][];
  body?: Buffer | string;
  close?: boolean;
}

export function serializeResponse(r: RawResponse): Buffer {
  const body = r.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'utf8');
  const parts: Buffer[] = [Buffer.from(`HTTP/1.1 ${r.status} ${REASONS[r.status] ?? 'Status'}\r\n`, 'latin1')];
  for (const [name, value] of r.headers)
    parts.push(Buffer.from(`${name}: `, 'latin1'), Buffer.isBuffer(value) ? value : Buffer.from(value, 'latin1'), Buffer.from('\r\n'));
  parts.push(Buffer.from(`Content-Length: ${body.length}\r\n`));
  if (r.close) parts.push(Buffer.from('Connection: close\r\n'));
  parts.push(Buffer.from('\r\n'), body);
  return Buffer.concat(parts);
}

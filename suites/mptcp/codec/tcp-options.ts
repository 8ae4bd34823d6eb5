/**
 * TCP options (RFC 9293 §3.1 and §3.2): EOL, NOP, MSS, window scale and
 * timestamps (RFC 7323), SACK-permitted and SACK (RFC 2018), MPTCP (kind 30,
 * RFC 8684), and any other kind kept byte for byte, so that decoding then
 * encoding an options area gives the same bytes, padding included.
 */
import { ByteWriter, checkUint, u16, u32 } from './bytes.js';
import { EncodeError, fail, ok, type DecodeError, type DecodeResult } from './errors.js';
import { MPTCP_OPTION_KIND, decodeMptcpOption, writeMptcpOption, type MptcpDecodeContext, type MptcpOption } from './mptcp-options.js';

export const TcpOptionKind = {
  EOL: 0,
  NOP: 1,
  MSS: 2,
  WINDOW_SCALE: 3,
  SACK_PERMITTED: 4,
  SACK: 5,
  TIMESTAMPS: 8,
  MPTCP: MPTCP_OPTION_KIND,
} as const;

/** End of option list; the bytes after it, up to the end of the options area, are padding (normally zero). */
export interface EolOption {
  type: 'eol';
  /** The bytes after the EOL, kept as they were; absent when there are none. */
  padding?: Uint8Array;
}
export interface NopOption {
  type: 'nop';
}
export interface MssOption {
  type: 'mss';
  mss: number;
}
export interface WindowScaleOption {
  type: 'window-scale';
  /** The shift count as sent (RFC 7323 §2.3 caps its use at 14, the decoder keeps what is there). */
  shift: number;
}
export interface SackPermittedOption {
  type: 'sack-permitted';
}
export interface SackOption {
  type: 'sack';
  /** 1 to 4 blocks of left and right edges (RFC 2018 §3). */
  blocks: { left: number; right: number }[];
}
export interface TimestampsOption {
  type: 'timestamps';
  value: number;
  echo: number;
}
/** A kind this codec does not interpret: `data` is what follows the kind and length bytes. */
export interface UnknownTcpOption {
  type: 'unknown';
  kind: number;
  data: Uint8Array;
}
/**
 * Only from a lenient decode: an option whose length does not fit its kind
 * (or the options area). `bytes` is the option from its kind byte on, and to
 * the end of the options area when its own length cannot be trusted.
 */
export interface InvalidTcpOption {
  type: 'invalid';
  kind: number;
  bytes: Uint8Array;
  error: DecodeError;
}

export type TcpOption =
  | EolOption
  | NopOption
  | MssOption
  | WindowScaleOption
  | SackPermittedOption
  | SackOption
  | TimestampsOption
  | MptcpOption
  | UnknownTcpOption
  | InvalidTcpOption;

export interface OptionDecodeOptions extends MptcpDecodeContext {
  /** Offset of the first option byte in the caller's input, for error offsets. */
  base?: number;
  /**
   * Keep options with a bad length as InvalidTcpOption instead of failing
   * the whole decode (as a receiver that ignores a malformed option would).
   */
  lenient?: boolean;
}

const FIXED_LENGTHS: Record<number, [string, number]> = {
  [TcpOptionKind.MSS]: ['MSS', 4],
  [TcpOptionKind.WINDOW_SCALE]: ['window scale', 3],
  [TcpOptionKind.SACK_PERMITTED]: ['SACK-permitted', 2],
  [TcpOptionKind.TIMESTAMPS]: ['timestamps', 10],
};

/** Decodes an options area (the bytes between the fixed TCP header and the data). */
export function decodeTcpOptions(area: Uint8Array, opts: OptionDecodeOptions = {}): DecodeResult<TcpOption[]> {
  const base = opts.base ?? 0;
  const out: TcpOption[] = [];
  let i = 0;
  while (i < area.length) {
    const kind = area[i]!;
    if (kind === TcpOptionKind.EOL) {
      const rest = area.slice(i + 1);
      out.push(rest.length ? { type: 'eol', padding: rest } : { type: 'eol' });
      break;
    }
    if (kind === TcpOptionKind.NOP) {
      out.push({ type: 'nop' });
      i++;
      continue;
    }
    const left = area.length - i;
    let error: DecodeError | undefined;
    if (left < 2) error = { code: 'truncated', offset: base + i, message: `TCP option kind ${kind} needs a length byte, 1 byte left` };
    else {
      const len = area[i + 1]!;
      if (len < 2) error = { code: 'bad-length', offset: base + i + 1, message: `TCP option kind ${kind} has length ${len}, less than 2` };
      else if (len > left) error = { code: 'truncated', offset: base + i + 1, message: `TCP option kind ${kind} needs ${len} bytes, ${left} left` };
      else {
        const r = decodeOne(area.subarray(i, i + len), base + i, opts);
        if (r.ok) {
          out.push(r.value);
          i += len;
          continue;
        }
        if (!opts.lenient) return r;
        out.push({ type: 'invalid', kind, bytes: area.slice(i, i + len), error: r.error });
        i += len;
        continue;
      }
    }
    if (!opts.lenient) return { ok: false, error };
    out.push({ type: 'invalid', kind, bytes: area.slice(i), error });
    break;
  }
  return ok(out);
}

/** One option with a trustworthy length: `b` runs from its kind byte to its end. */
function decodeOne(b: Uint8Array, base: number, opts: OptionDecodeOptions): DecodeResult<TcpOption> {
  const kind = b[0]!;
  const len = b.length;
  const fixed = FIXED_LENGTHS[kind];
  if (fixed && len !== fixed[1]) return fail('bad-length', base + 1, `TCP ${fixed[0]} option (kind ${kind}) has length ${len}, not ${fixed[1]}`);
  switch (kind) {
    case TcpOptionKind.MSS:
      return ok({ type: 'mss', mss: u16(b, 2) });
    case TcpOptionKind.WINDOW_SCALE:
      return ok({ type: 'window-scale', shift: b[2]! });
    case TcpOptionKind.SACK_PERMITTED:
      return ok({ type: 'sack-permitted' });
    case TcpOptionKind.TIMESTAMPS:
      return ok({ type: 'timestamps', value: u32(b, 2), echo: u32(b, 6) });
    case TcpOptionKind.SACK: {
      if ((len - 2) % 8 !== 0 || len < 10) return fail('bad-length', base + 1, `TCP SACK option (kind 5) has length ${len}, not 2 + 8n with n >= 1`);
      const blocks: SackOption['blocks'] = [];
      for (let at = 2; at < len; at += 8) blocks.push({ left: u32(b, at), right: u32(b, at + 4) });
      return ok({ type: 'sack', blocks });
    }
    case TcpOptionKind.MPTCP:
      return decodeMptcpOption(b, base, opts);
    default:
      return ok({ type: 'unknown', kind, data: b.slice(2) });
  }
}

/** Encodes one option. Throws an EncodeError when a field is out of range. */
export function encodeTcpOption(o: TcpOption): Uint8Array {
  const w = new ByteWriter(16);
  writeTcpOption(w, o);
  return w.finish();
}

/** Appends one option to a writer (see encodeTcpOption). */
export function writeTcpOption(w: ByteWriter, o: TcpOption): void {
  switch (o.type) {
    case 'eol':
      w.u8(0);
      if (o.padding) w.bytes(o.padding);
      break;
    case 'nop':
      w.u8(1);
      break;
    case 'mss':
      w.u8(2)
        .u8(4)
        .u16(checkUint('MSS', o.mss, 0xffff));
      break;
    case 'window-scale':
      w.u8(3)
        .u8(3)
        .u8(checkUint('window scale shift', o.shift, 255));
      break;
    case 'sack-permitted':
      w.u8(4).u8(2);
      break;
    case 'sack':
      if (o.blocks.length < 1 || o.blocks.length > 4) throw new EncodeError(`a SACK option carries 1 to 4 blocks, got ${o.blocks.length}`);
      w.u8(5).u8(2 + 8 * o.blocks.length);
      for (const blk of o.blocks) w.u32(checkUint('SACK left edge', blk.left, 0xffffffff)).u32(checkUint('SACK right edge', blk.right, 0xffffffff));
      break;
    case 'timestamps':
      w.u8(8)
        .u8(10)
        .u32(checkUint('TSval', o.value, 0xffffffff))
        .u32(checkUint('TSecr', o.echo, 0xffffffff));
      break;
    case 'mptcp':
      writeMptcpOption(w, o);
      break;
    case 'unknown':
      if (o.kind === 0 || o.kind === 1) throw new EncodeError('an unknown option cannot have kind 0 or 1');
      if (o.data.length > 38) throw new EncodeError(`option kind ${o.kind} would be ${o.data.length + 2} bytes, more than 40`);
      w.u8(checkUint('option kind', o.kind, 255))
        .u8(o.data.length + 2)
        .bytes(o.data);
      break;
    case 'invalid':
      w.bytes(o.bytes);
      break;
    default: {
      const never: never = o;
      throw new EncodeError(`unknown TCP option type ${JSON.stringify((never as { type: unknown }).type)}`);
    }
  }
}

/** Encodes an option list as it is, without padding (see encodeTcpSegment for that). */
export function encodeTcpOptions(options: readonly TcpOption[]): Uint8Array {
  const w = new ByteWriter(40);
  for (const o of options) writeTcpOption(w, o);
  return w.finish();
}

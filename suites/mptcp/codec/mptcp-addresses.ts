/**
 * The options about addresses and paths (RFC 8684 §3.4, §3.3.8): ADD_ADDR,
 * REMOVE_ADDR and MP_PRIO, their decoders and their encoders.
 */
import { addressBytes, formatIPv4, formatIPv6 } from './address.js';
import { checkBytes, checkUint, u16, type ByteWriter } from './bytes.js';
import { EncodeError, fail, ok, type DecodeResult } from './errors.js';
import { badLength, MptcpSubtype, writeSubtype } from './mptcp-subtype.js';

/**
 * ADD_ADDR (§3.4.1): an address (IPv4 or IPv6 text), an optional port, and
 * the truncated HMAC (8 bytes), which is absent when E (echo) is set. The
 * decoder tells the forms apart by length alone (8/10/16/18 for IPv4, 20/22/
 * 28/30 for IPv6), so an RFC 6824 ADD_ADDR (no HMAC, IPVer in the low
 * nibble) decodes too: its IPVer shows as echo false and reserved 2 or 3.
 */
export interface AddAddr {
  type: 'mptcp';
  subtype: 'add_addr';
  echo: boolean;
  addressId: number;
  address: string;
  port?: number;
  hmac?: Uint8Array;
  /** The 3 reserved bits between subtype and E. */
  reserved?: number;
}

/** REMOVE_ADDR (§3.4.2): one or more address ids. */
export interface RemoveAddr {
  type: 'mptcp';
  subtype: 'remove_addr';
  addressIds: number[];
  /** The low nibble of byte 2. */
  reserved?: number;
}

/** MP_PRIO (§3.3.8): B, the sender's wish about this subflow. RFC 6824 also had an address id (4 bytes). */
export interface MpPrio {
  type: 'mptcp';
  subtype: 'mp_prio';
  backup: boolean;
  addressId?: number;
  reserved?: number;
}

/** ADD_ADDR lengths (§3.4.1): address family, port and HMAC presence by length. */
const ADD_ADDR_FORMS: Record<number, { family: 4 | 6; port: boolean; hmac: boolean }> = {
  8: { family: 4, port: false, hmac: false },
  10: { family: 4, port: true, hmac: false },
  16: { family: 4, port: false, hmac: true },
  18: { family: 4, port: true, hmac: true },
  20: { family: 6, port: false, hmac: false },
  22: { family: 6, port: true, hmac: false },
  28: { family: 6, port: false, hmac: true },
  30: { family: 6, port: true, hmac: true },
};

export function decodeAddAddr(b: Uint8Array, base: number): DecodeResult<AddAddr> {
  const form = ADD_ADDR_FORMS[b.length];
  if (!form) return fail('bad-length', base + 1, `ADD_ADDR option length ${b.length} is not one of 8, 10, 16, 18 (IPv4) or 20, 22, 28, 30 (IPv6)`);
  const low = b[2]! & 0x0f;
  const o: AddAddr = {
    type: 'mptcp',
    subtype: 'add_addr',
    echo: (low & 0x01) !== 0,
    addressId: b[3]!,
    address: form.family === 4 ? formatIPv4(b, 4) : formatIPv6(b, 4),
    reserved: low >> 1,
  };
  let at = form.family === 4 ? 8 : 20;
  if (form.port) {
    o.port = u16(b, at);
    at += 2;
  }
  if (form.hmac) o.hmac = b.slice(at, at + 8);
  return ok(o);
}

/** Decodes a REMOVE_ADDR option (`b` from its kind byte). */
export function decodeRemoveAddr(b: Uint8Array, base: number): DecodeResult<RemoveAddr> {
  const len = b.length;
  if (len < 4) return fail('bad-length', base + 1, `REMOVE_ADDR option length ${len} leaves no address id: it needs at least 4 bytes`);
  return ok({ type: 'mptcp', subtype: 'remove_addr', addressIds: Array.from(b.subarray(3)), reserved: b[2]! & 0x0f });
}

/** Decodes an MP_PRIO option (`b` from its kind byte). */
export function decodeMpPrio(b: Uint8Array, base: number): DecodeResult<MpPrio> {
  const low = b[2]! & 0x0f;
  const o: MpPrio = { type: 'mptcp', subtype: 'mp_prio', backup: (low & 0x01) !== 0, reserved: low >> 1 };
  if (b.length === 4) o.addressId = b[3]!;
  else if (b.length !== 3) return badLength(MptcpSubtype.MP_PRIO, b.length, base, '3, 4 (RFC 6824, with an address id)');
  return ok(o);
}

/** Writes an ADD_ADDR option after its kind and length. */
export function writeAddAddr(w: ByteWriter, o: AddAddr): void {
  const v6 = o.address.includes(':');
  writeSubtype(w, MptcpSubtype.ADD_ADDR, (checkUint('ADD_ADDR reserved', o.reserved ?? 0, 7) << 1) | (o.echo ? 1 : 0));
  w.u8(checkUint('ADD_ADDR addressId', o.addressId, 255));
  w.bytes(addressBytes('ADD_ADDR address', o.address, v6 ? 6 : 4));
  if (o.port !== undefined) w.u16(checkUint('ADD_ADDR port', o.port, 0xffff));
  if (o.hmac !== undefined) w.bytes(checkBytes('ADD_ADDR hmac', o.hmac, 8));
}

/** Writes a REMOVE_ADDR option after its kind and length. */
export function writeRemoveAddr(w: ByteWriter, o: RemoveAddr): void {
  if (o.addressIds.length === 0) throw new EncodeError('REMOVE_ADDR needs at least one address id');
  if (o.addressIds.length > 37) throw new EncodeError('REMOVE_ADDR carries at most 37 address ids in 40 bytes of options');
  writeSubtype(w, MptcpSubtype.REMOVE_ADDR, checkUint('REMOVE_ADDR reserved', o.reserved ?? 0, 0xf));
  for (const id of o.addressIds) w.u8(checkUint('REMOVE_ADDR address id', id, 255));
}

/** Writes an MP_PRIO option after its kind and length. */
export function writeMpPrio(w: ByteWriter, o: MpPrio): void {
  writeSubtype(w, MptcpSubtype.MP_PRIO, (checkUint('MP_PRIO reserved', o.reserved ?? 0, 7) << 1) | (o.backup ? 1 : 0));
  if (o.addressId !== undefined) w.u8(checkUint('MP_PRIO addressId', o.addressId, 255));
}

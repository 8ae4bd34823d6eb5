/**
 * What two targets' answers to a fuzz scenario are compared on: each segment
 * the SUT sent, reduced to its shape, and the set of the shapes it sent.
 *
 * A shape keeps what RFC 8684 and RFC 9293 make the SUT decide: which of its
 * addresses sent to which of the peer's, the TCP flags, whether the segment
 * carries data, and each MPTCP option with the fields that say what it means
 * (MP_CAPABLE's form, version and checksum flag; DSS's data ACK, mapping and
 * DATA_FIN flags; ADD_ADDR's echo, id and address; REMOVE_ADDR's ids; MP_JOIN's
 * form and backup flag; MP_PRIO's backup flag; MP_TCPRST's reason; the number
 * of an unknown subtype; MP_FAIL and MP_FASTCLOSE by name).
 *
 * It leaves out what is the implementation's own choice or differs on every
 * run: ports (the SUT's ephemeral port), sequence and acknowledgment numbers
 * (ISNs), windows, the payload's length (segmentation), keys, tokens, nonces,
 * HMACs, DSNs and checksum values, the widths of DSS fields (32 or 64 bits,
 * the sender's choice, §3.3), whether an MP_CAPABLE third ACK carries the
 * first data (ack or ack-data, §3.1), and every option that is not MPTCP's
 * (MSS, window scale, SACK, timestamps: the stack's choices, not MPTCP's).
 * Bare acknowledgments are left out altogether: a segment with ACK alone, no
 * data, and no MPTCP option or only a DSS with a data ACK. When to send one
 * is the stack's acknowledgment policy (delayed ACKs, window updates, RFC 9293
 * §3.8.6.3), and RFC 8684 §3.1 lets the listener confirm the MP_CAPABLE third
 * ACK with a DSS data ACK or not (the reference does, Linux waits for data).
 *
 * A set, not a sequence: how often a segment is sent again and how the
 * segments of different subflows interleave follow from timers and from
 * when the harness's waits end, which a virtual clock and a kernel under
 * emulation do not share.
 */
import type { Packet } from '../codec/index.js';
import { flagLetters } from '../script/match.js';

/** The segment's shape, or undefined for a bare acknowledgment (not compared). */
export function shapeOf(p: Packet): string | undefined {
  const opts: string[] = [];
  for (const o of p.tcp.options) {
    if (o.type !== 'mptcp') continue;
    switch (o.subtype) {
      case 'mp_capable':
        opts.push(`mp_capable(${o.form === 'ack-data' ? 'ack' : o.form} v${o.version}${o.flags.A ? ' A' : ''})`);
        break;
      case 'dss':
        opts.push(`dss(${[o.dataAck !== undefined ? 'A' : '', o.mapping ? 'M' : '', o.dataFin ? 'F' : ''].join('') || '-'})`);
        break;
      case 'add_addr':
        opts.push(`add_addr(${o.echo ? 'echo ' : ''}id ${o.addressId} ${o.address})`);
        break;
      case 'remove_addr':
        opts.push(`remove_addr(${o.addressIds.join(' ')})`);
        break;
      case 'mp_join':
        opts.push(`mp_join(${o.form}${'backup' in o && o.backup ? ' B' : ''})`);
        break;
      case 'mp_prio':
        opts.push(`mp_prio(${o.backup ? 'B' : '-'})`);
        break;
      case 'mp_tcprst':
        opts.push(`mp_tcprst(reason ${o.reason})`);
        break;
      case 'unknown':
        opts.push(`mptcp-subtype-${o.subtypeNumber}`);
        break;
      default:
        opts.push(o.subtype);
    }
  }
  const flags = flagLetters(p.tcp.flags);
  if (flags === 'A' && p.tcp.payload.length === 0 && opts.every((o) => o === 'dss(A)')) return undefined;
  const data = p.tcp.payload.length > 0 ? ' data' : '';
  return `${p.ip.src} > ${p.ip.dst} [${flags}]${data}${opts.length ? ` <${opts.join(', ')}>` : ''}`;
}

/** The shapes one target sent and the other did not, each in the order first sent. */
export function shapeDifference(reference: readonly string[], other: readonly string[]): { onlyReference: string[]; onlyOther: string[] } | undefined {
  const r = new Set(reference);
  const o = new Set(other);
  const onlyReference = [...r].filter((x) => !o.has(x));
  const onlyOther = [...o].filter((x) => !r.has(x));
  return onlyReference.length || onlyOther.length ? { onlyReference, onlyOther } : undefined;
}

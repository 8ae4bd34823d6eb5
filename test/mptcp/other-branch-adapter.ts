/**
 * A target for test/mptcp/may-branches.test.ts: the reference MPTCP endpoint
 * as an implementation that takes the other branch of each behaviour RFC 8684
 * leaves optional (MAY). Its segments are the reference's, rewritten on their
 * way to the harness: a RST goes without MP_TCPRST (§3.6), MP_CAPABLE without
 * flag C (§3.1), no MP_JOIN SYN goes to an address the peer announced (a host
 * need not join them, §3.4.1), a retransmitted SYN goes without MPTCP
 * options (how many MP_CAPABLE SYNs to try is local policy, §3.1), and a SYN
 * asks for no TCP Fast Open cookie (Appendix B.1). The
 * manifest is test/mptcp/fixtures/other-branch-targets/other-branch/.
 */
import { serveAdapter } from '../../runner/adapter-kit.js';
import { decodePacket, encodePacket, type Packet } from '../../suites/mptcp/codec/index.js';
import type { OpenParams, SocketParams } from '../../suites/mptcp/contract.js';
import { TFO_OPTION_KIND } from '../../suites/mptcp/script/build.js';
import { referenceHandlers } from '../../targets/reference/adapter.js';
import { ReferencePacketSut } from '../../targets/reference/mptcp-adapter.js';

const notify = (method: string, params: unknown) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', method, params }) + '\n');

/** The SYNs sent so far, by 4-tuple and sequence number: a second one is a retransmission. */
const synsSeen = new Set<string>();
/** The peer's address of the first subflow (where the first MP_CAPABLE segment went): a join elsewhere goes to an announced address. */
let firstPeer: string | undefined;

/** The segment as the other branch sends it, or undefined when it sends none. */
export function otherBranch(p: Packet): Packet | undefined {
  const t = p.tcp;
  const isMptcp = (o: Packet['tcp']['options'][number], subtype?: string) => o.type === 'mptcp' && (subtype === undefined || o.subtype === subtype);
  if (firstPeer === undefined && t.options.some((o) => isMptcp(o, 'mp_capable'))) firstPeer = p.ip.dst;
  if (t.flags.syn && !t.flags.ack && t.options.some((o) => isMptcp(o, 'mp_join')) && p.ip.dst !== firstPeer) return undefined;
  let options = t.options;
  if (t.flags.rst) options = options.filter((o) => !isMptcp(o, 'mp_tcprst'));
  options = options.map((o) => (o.type === 'mptcp' && o.subtype === 'mp_capable' ? { ...o, flags: { ...o.flags, C: false } } : o));
  if (t.flags.syn && !t.flags.ack) {
    const key = `${p.ip.src}:${t.srcPort}>${p.ip.dst}:${t.dstPort}@${t.seq}`;
    if (synsSeen.has(key)) options = options.filter((o) => !isMptcp(o));
    synsSeen.add(key);
    options = options.filter((o) => !(o.type === 'unknown' && o.kind === TFO_OPTION_KIND));
  }
  return { ...p, tcp: { ...t, options } };
}

const sut = new ReferencePacketSut((method, params) => {
  if (method !== 'mptcp.packet') return notify(method, params);
  const decoded = decodePacket(new Uint8Array(Buffer.from((params as { data: string }).data, 'base64')));
  if (!decoded.ok) return notify(method, params);
  const out = otherBranch(decoded.value.packet);
  if (out) notify(method, { data: Buffer.from(encodePacket(out)).toString('base64') });
});

serveAdapter({
  hello: referenceHandlers.hello!,
  'mptcp.open': (p: OpenParams) => {
    synsSeen.clear();
    firstPeer = undefined;
    return sut.open(p);
  },
  'mptcp.inject': (p: { data: string }) => sut.inject(p),
  'mptcp.socket': (p: SocketParams) => sut.socket(p),
  'mptcp.close': () => sut.close(),
});

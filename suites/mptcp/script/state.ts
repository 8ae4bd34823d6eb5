/**
 * What the harness knows while it plays the peer: its own key, ISNs and
 * nonces (chosen deterministically from the vector id, so that runs repeat),
 * what it learned from the SUT's segments (ISNs, key, nonces), the subflows
 * (4-tuples), and the variables captured by expect steps. Numbers in a script
 * are read against it (docs/mptcp-vectors.md).
 */
import { createHash } from 'node:crypto';
import { deriveIdsn, deriveToken, type Packet } from '../codec/index.js';
import type { Num } from '../vector.js';

export interface Endpoint {
  address: string;
  port?: number;
  isn?: number;
  nonce?: number;
}

export interface Subflow {
  index: number;
  peer: Required<Pick<Endpoint, 'address' | 'port' | 'isn' | 'nonce'>>;
  sut: Endpoint;
}

export interface Addresses {
  sut: string;
  /** The peer's addresses: the first for subflow 0, the others for joins. */
  peers: string[];
  /** The SUT's extra addresses, for subflows it opens. */
  sutExtra: string[];
  /** The SUT's addresses that announce steps announce (setup.announceAddresses); "sut.announceN" in an ADD_ADDR's address. */
  sutAnnounce?: string[];
}

const MOD32 = 2 ** 32;
const MOD64 = 1n << 64n;

export class ScriptState {
  readonly addresses: Addresses;
  readonly peerKey: bigint;
  sutKey: bigint | undefined;
  /** Whether either side asked for DSS checksums (MP_CAPABLE flag A). */
  checksums = false;
  readonly subflows: Subflow[] = [];
  readonly vars = new Map<string, number | bigint>();
  private readonly seed: Buffer;
  sutPort = 8000;
  peerPort = 8000;

  /** The run's seed (0 by default) varies every choice; the same seed and vector give the same bytes. */
  constructor(vectorId: string, addresses: Addresses, peerKey?: string, runSeed = 0) {
    this.addresses = addresses;
    this.seed = createHash('sha256')
      .update(vectorId)
      .update(runSeed ? `\u0000${runSeed}` : '')
      .digest();
    this.peerKey = peerKey ? BigInt(`0x${peerKey}`) : this.seed.readBigUInt64BE(0) | 1n;
  }

  /** A deterministic 32-bit number for the harness (ISNs, nonces). */
  private derived(label: string): number {
    return createHash('sha256').update(this.seed).update(label).digest().readUInt32BE(0);
  }

  /** The subflow with this index, made on first use as one the peer opens (to the SUT's listening port). */
  subflow(index: number): Subflow {
    let s = this.subflows[index];
    if (!s) {
      const address = this.addresses.peers[Math.min(index, this.addresses.peers.length - 1)]!;
      s = {
        index,
        peer: { address, port: 40000 + index, isn: this.derived(`isn${index}`), nonce: this.derived(`nonce${index}`) },
        sut: { address: this.addresses.sut, port: this.sutPort },
      };
      this.subflows[index] = s;
    }
    return s;
  }

  /** The subflow of a segment the SUT sent, made when the SUT opens a new one (its SYN). */
  subflowOfSut(src: string, srcPort: number, dst: string, dstPort: number, syn: boolean): Subflow | undefined {
    const known = this.subflows.find(
      (s) => s && s.peer.address === dst && s.peer.port === dstPort && s.sut.address === src && (s.sut.port === undefined || s.sut.port === srcPort),
    );
    if (known) {
      known.sut.port ??= srcPort;
      return known;
    }
    if (!syn) return undefined;
    const index = this.subflows.length;
    const s: Subflow = {
      index,
      peer: { address: dst, port: dstPort, isn: this.derived(`isn${index}`), nonce: this.derived(`nonce${index}`) },
      sut: { address: src, port: srcPort },
    };
    this.subflows[index] = s;
    return s;
  }

  /**
   * What a segment the SUT sent teaches the script: its subflow (made at its SYN), that subflow's ISN, the SUT's key
   * and whether checksums are on (MP_CAPABLE), and its join nonce. Returns the segment's subflow, if any.
   */
  learn(p: Packet): Subflow | undefined {
    const t = p.tcp;
    const sf = this.subflowOfSut(p.ip.src, t.srcPort, p.ip.dst, t.dstPort, Boolean(t.flags.syn));
    if (sf && t.flags.syn) sf.sut.isn = t.seq;
    for (const o of t.options) {
      if (o.type !== 'mptcp') continue;
      if (o.subtype === 'mp_capable') {
        if (o.flags.A) this.checksums = true;
        if ('senderKey' in o && o.senderKey !== undefined && this.sutKey === undefined) this.sutKey = o.senderKey;
      }
      if (o.subtype === 'mp_join' && (o.form === 'syn' || o.form === 'syn-ack') && sf) sf.sut.nonce = o.nonce;
    }
    return sf;
  }

  get sutToken(): number | undefined {
    return this.sutKey === undefined ? undefined : deriveToken(this.sutKey);
  }
  get peerToken(): number {
    return deriveToken(this.peerKey);
  }
  get sutIdsn(): bigint | undefined {
    return this.sutKey === undefined ? undefined : deriveIdsn(this.sutKey);
  }
  get peerIdsn(): bigint {
    return deriveIdsn(this.peerKey);
  }

  /** The SUT's announce address `index` (setup.announceAddresses), as the adapter gave it. */
  announceAddress(index: number): string {
    const a = this.addresses.sutAnnounce?.[index];
    if (a === undefined) throw new Error(`the SUT has no announce address ${index} (setup.announceAddresses)`);
    return a;
  }

  /** The value of a name: peer.isn, sut.idsn, peer.key, sut.token... (for a subflow), or a captured variable. */
  value(name: string, subflow: Subflow): number | bigint {
    const need = <T>(v: T | undefined, what: string): T => {
      if (v === undefined) throw new Error(`${what} is not known yet: the SUT has not sent it`);
      return v;
    };
    switch (name) {
      case 'peer.isn':
        return subflow.peer.isn;
      case 'sut.isn':
        return need(subflow.sut.isn, "the SUT's initial sequence number");
      case 'peer.nonce':
        return subflow.peer.nonce;
      case 'sut.nonce':
        return need(subflow.sut.nonce, "the SUT's MP_JOIN nonce");
      case 'peer.key':
        return this.peerKey;
      case 'sut.key':
        return need(this.sutKey, "the SUT's key");
      case 'peer.token':
        return this.peerToken;
      case 'sut.token':
        return need(this.sutToken, "the SUT's key (for its token)");
      case 'peer.idsn':
        return this.peerIdsn;
      case 'sut.idsn':
        return need(this.sutIdsn, "the SUT's key (for its IDSN)");
      default: {
        const v = this.vars.get(name);
        if (v === undefined) throw new Error(`unknown name "${name}" (captured variables: ${[...this.vars.keys()].join(', ') || 'none'})`);
        return v;
      }
    }
  }

  /**
   * Reads a number of the script: a plain number is relative to `base` (a
   * name, or none), an expression "name+N" or a hex literal is absolute.
   * 32-bit results wrap; 64-bit ones (DSNs, keys) stay bigints.
   */
  resolve(n: Num, subflow: Subflow, base: string | undefined, width: 32 | 64): number | bigint {
    let value: bigint;
    if (typeof n === 'number') {
      value = BigInt(n) + (base ? BigInt(this.value(base, subflow)) : 0n);
    } else if (/^0x[0-9a-fA-F]+$/.test(n)) {
      value = BigInt(n);
    } else {
      const m = /^([a-z][a-zA-Z0-9.]*)([+-][0-9]+)?$/.exec(n);
      if (!m) throw new Error(`not a number or expression: ${n}`);
      value = BigInt(this.value(m[1]!, subflow)) + BigInt(m[2] ?? 0);
    }
    if (width === 32) return Number(((value % BigInt(MOD32)) + BigInt(MOD32)) % BigInt(MOD32));
    return ((value % MOD64) + MOD64) % MOD64;
  }
}

/**
 * What a packet-level MPTCP vector is (vectors/schema/mptcp-vectors.schema.json):
 * the SUT's role, its setup, and a script of socket steps on the SUT, segments
 * the harness injects, segments the SUT must send, and silences.
 */
import type { VectorCommon } from '../../runner/vectors.js';
import type { InputError } from '../../runner/errors.js';
import type { JsonSource } from '../../runner/json-source.js';
import type { LoadedVector } from '../../runner/suite.js';

export type Num = number | string;
export type Bytes = string | { hex: string };
export type Payload = Bytes | { repeat: number; count: number };

export interface OptionSpec {
  kind?: string;
  mptcp?: string;
  [field: string]: unknown;
}

export interface InjectSpec {
  subflow?: number;
  flags: string;
  seq?: Num;
  ack?: Num;
  window?: number;
  options?: OptionSpec[];
  payload?: Payload;
  corrupt?: 'tcp-checksum' | 'dss-checksum';
}

/** A number exactly, or a range (both ends included, either may be left out). */
export type Range = number | { min?: number; max?: number };

export interface ExpectSpec {
  subflow?: number;
  flags?: string;
  seq?: Num;
  ack?: Num;
  /** The TCP destination port (which of a peer address's ports a SUT's SYN goes to). */
  dstPort?: number;
  /** The TCP header's window field, as sent (unscaled). */
  window?: Range;
  payload?: Payload;
  payloadLength?: Range;
  options?: { require?: OptionSpec[]; forbid?: string[] };
  capture?: Record<string, string>;
  within?: number;
}

export interface SocketStep {
  sut: 'listen' | 'connect' | 'accept' | 'write' | 'read' | 'shutdown' | 'close' | 'query' | 'await' | 'announce' | 'withdraw';
  as?: string;
  op?: string;
  port?: number;
  mptcp?: boolean;
  /** connect: with TCP Fast Open, `data` then being the first write, which sends the SYN; listen: a TCP Fast Open listener. */
  fastOpen?: boolean;
  data?: Payload;
  count?: number;
  /** announce: which of the SUT's addresses to announce (setup.announceAddresses, from 0). */
  address?: number;
  /** announce: the address id to announce it with; withdraw: the id to withdraw (REMOVE_ADDR). */
  addressId?: number;
  within?: number;
  expect?: {
    data?: Payload;
    eof?: boolean;
    isMptcp?: boolean;
    fallback?: boolean;
    subflows?: number;
    checksums?: boolean;
    dataAcked?: number;
    error?: boolean | string;
  };
}

/**
 * Fields every step may carry: a note for messages; `if`, the name of a
 * variable the step needs (it is skipped while the variable is not
 * captured); `unless`, the name of a variable that skips the step once
 * captured (the other branch of an optional expect, for a behaviour the RFC
 * leaves open).
 */
export interface StepCommon {
  note?: string;
  if?: string;
  unless?: string;
}

export type Step =
  | ({ inject: InjectSpec } & StepCommon)
  | ({ expect: ExpectSpec; optional?: boolean } & StepCommon)
  | ({ expectNone: number; match?: ExpectSpec; pending?: boolean } & StepCommon)
  | ({ wait: number } & StepCommon)
  | (SocketStep & StepCommon);

export interface MptcpVector extends VectorCommon {
  role: 'client' | 'server';
  setup?: {
    sysctls?: Record<string, number | string>;
    peerKey?: string;
    subflowEndpoints?: number;
    /** Addresses on the SUT's interface that announce steps may announce (ADD_ADDR) and withdraw steps withdraw. */
    announceAddresses?: number;
    limits?: { subflows?: number; addAddrAccepted?: number };
  };
  script: Step[];
  /** Rules every segment the SUT sent during the vector must keep, checked once the script has passed. */
  invariants?: Invariant[];
}

/** Every SUT segment that matches `every` must also match `must` (docs/mptcp-vectors.md, "Invariants"). */
export interface Invariant {
  every: ExpectSpec;
  must: ExpectSpec;
  note?: string;
}

export function isExpect(step: Step): step is { expect: ExpectSpec; optional?: boolean } & StepCommon {
  return 'expect' in step && !('sut' in step);
}

/** Operations that run in the background until an await. */
export const BACKGROUND_OPS = new Set(['connect', 'accept', 'read']);

export function loadMptcpVectors(source: JsonSource): { vectors: LoadedVector<MptcpVector>[]; errors: InputError[] } {
  const doc = source.value as { vectors: MptcpVector[] };
  const vectors: LoadedVector<MptcpVector>[] = [];
  const errors: InputError[] = [];
  doc.vectors.forEach((v, i) => {
    const at = `/vectors/${i}`;
    const before = errors.length;
    const started = new Set<string>();
    const captured = new Set<string>();
    v.script.forEach((step, j) => {
      const sat = `${at}/script/${j}`;
      if (step.if !== undefined && !captured.has(step.if)) errors.push(source.error(`${sat}/if`, `no earlier expect captures "${step.if}"`));
      if (step.unless !== undefined && !captured.has(step.unless)) errors.push(source.error(`${sat}/unless`, `no earlier expect captures "${step.unless}"`));
      if (isExpect(step)) for (const name of Object.keys(step.expect.capture ?? {})) captured.add(name);
      if ('sut' in step) {
        if (step.sut === 'await') {
          if (!step.op) errors.push(source.error(sat, 'await needs "op": the name of an earlier connect, accept or read'));
          else if (!started.has(step.op)) errors.push(source.error(`${sat}/op`, `no earlier background operation is named "${step.op}"`));
        } else if (BACKGROUND_OPS.has(step.sut)) {
          started.add(step.as ?? step.sut);
        } else if (step.as) {
          errors.push(source.error(`${sat}/as`, `${step.sut} completes before the next step; only connect, accept and read take "as"`));
        }
        if (step.sut === 'write' && step.data === undefined) errors.push(source.error(sat, 'write needs "data"'));
        if (step.sut === 'announce' && (step.address === undefined || step.address >= (v.setup?.announceAddresses ?? 0)))
          errors.push(source.error(`${sat}/address`, 'announce needs "address": the index of one of setup.announceAddresses'));
        if ((step.sut === 'announce' || step.sut === 'withdraw') && step.addressId === undefined)
          errors.push(source.error(sat, `${step.sut} needs "addressId"`));
        if (step.fastOpen && step.sut !== 'listen' && (step.sut !== 'connect' || step.data === undefined))
          errors.push(source.error(`${sat}/fastOpen`, 'fastOpen is for a listen, or a connect with "data": the first write, which sends the SYN'));
      }
    });
    (v.invariants ?? []).forEach((inv, k) => {
      for (const side of ['every', 'must'] as const)
        for (const field of ['capture', 'within'] as const)
          if (inv[side][field] !== undefined)
            errors.push(source.error(`${at}/invariants/${k}/${side}/${field}`, `an invariant matches segments already sent: "${field}" has no meaning in it`));
    });
    if (!v.script.some((s) => 'sut' in s && (s.sut === 'listen' || s.sut === 'connect')))
      errors.push(source.error(`${at}/script`, 'the script never opens a socket on the SUT (listen or connect)'));
    if (v.role === 'server' && !v.script.some((s) => 'sut' in s && s.sut === 'listen')) errors.push(source.error(`${at}/role`, 'a server SUT must listen'));
    if (v.role === 'client' && !v.script.some((s) => 'sut' in s && s.sut === 'connect')) errors.push(source.error(`${at}/role`, 'a client SUT must connect'));
    if (errors.length === before)
      vectors.push({
        id: v.id,
        title: v.title,
        level: v.level,
        citations: v.spec,
        ...(v.requirements ? { requirements: v.requirements } : {}),
        flags: v.flags ?? [],
        source: { file: source.file, pointer: at },
        data: v,
      });
  });
  return { vectors, errors };
}

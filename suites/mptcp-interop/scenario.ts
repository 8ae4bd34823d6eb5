/**
 * What an interop scenario is (vectors/schema/mptcp-interop-vectors.schema.json):
 * a middlebox behaviour, a transfer each way, and how each side must end up.
 */
import type { VectorCommon } from '../../runner/vectors.js';
import type { InputError } from '../../runner/errors.js';
import type { JsonSource } from '../../runner/json-source.js';
import type { LoadedVector } from '../../runner/suite.js';

export type Outcome = 'mptcp' | 'fallback' | 'reset';

export type Behaviour =
  | 'none'
  | 'strip-syn'
  | 'strip-syn-ack'
  | 'strip-third-ack'
  | 'strip-after-handshake-client-to-server'
  | 'strip-after-handshake-server-to-client'
  | 'drop-mp-capable-syn'
  | 'strip-join'
  | 'strip-join-after-handshake'
  | 'corrupt-join-hmac'
  | 'corrupt-payload'
  | 'clamp-mss'
  | 'clamp-mss-join'
  | 'nat'
  | 'syn-proxy'
  | 'tcp-proxy'
  | 'ftp-alg';

/** kbit/s of the middlebox's link towards each side. */
export interface RateLimit {
  toClient: number;
  toServer: number;
}

export interface Scenario extends VectorCommon {
  middlebox: Behaviour;
  join?: boolean;
  announce?: boolean;
  checksums?: boolean;
  transfer: { clientToServer: number; serverToClient: number };
  timeoutMs?: number;
  /**
   * The middlebox's links send at most this many kbit/s (tc tbf): a slow path. A number limits both links; an object each
   * one, towards the client and towards the server (a path slower one way than the other).
   */
  rateLimitKbit?: number | RateLimit;
  expect: { client: Outcome; server: Outcome; subflows?: number; intact?: boolean | 'any'; rstReason?: number };
}

/** Behaviours that act on the second subflow, which only a scenario with a join has. */
const ON_JOIN: Behaviour[] = ['strip-join', 'strip-join-after-handshake', 'corrupt-join-hmac', 'clamp-mss-join'];

export function loadScenarios(source: JsonSource): { vectors: LoadedVector<Scenario>[]; errors: InputError[] } {
  const doc = source.value as { vectors: Scenario[] };
  const errors: InputError[] = [];
  doc.vectors.forEach((v, i) => {
    if (ON_JOIN.includes(v.middlebox) && !v.join)
      errors.push(source.error(`/vectors/${i}/middlebox`, `${v.middlebox} acts on the join subflow: the scenario needs "join": true`));
    if (v.middlebox === 'corrupt-payload' && v.transfer.clientToServer < 2000)
      errors.push(
        source.error(
          `/vectors/${i}/transfer/clientToServer`,
          'corrupt-payload rewrites an octet 1000 octets into a full-sized client segment: send at least 2000 octets',
        ),
      );
    if (v.announce && v.join)
      errors.push(source.error(`/vectors/${i}/announce`, 'the client announces the address it would join from: "announce" and "join" exclude each other'));
    if (v.expect.subflows !== undefined && v.expect.subflows > 1 && !v.join)
      errors.push(source.error(`/vectors/${i}/expect/subflows`, 'more than one subflow needs "join": true'));
  });
  return {
    vectors: doc.vectors.map((v, i) => ({
      id: v.id,
      title: v.title,
      level: v.level,
      citations: v.spec,
      ...(v.requirements ? { requirements: v.requirements } : {}),
      flags: v.flags ?? [],
      source: { file: source.file, pointer: `/vectors/${i}` },
      data: v,
    })),
    errors,
  };
}

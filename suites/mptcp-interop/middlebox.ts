/**
 * The middlebox behaviours, as the nftables rules the middlebox node loads.
 * The rules sit in the forward path (priority mangle) of a node that routes
 * between the client's network (interface `client`) and the server's
 * (interface `server`).
 *
 * A real middlebox that rewrites a segment fixes its TCP checksum, so the
 * damage reaches MPTCP instead of being dropped by TCP. nft cannot recompute
 * a checksum over data: it adjusts the checksum only for writes to named
 * header fields, and raw writes (`@th,...`) leave it as it was. So a rule
 * that damages data makes two raw writes whose changes to the
 * ones'-complement sum cancel: it copies the 16-bit word it is about to
 * clear into the urgent pointer (bits 144-159 of the TCP header), then
 * clears the word. The TCP checksum stays right; a DSS checksum over the data
 * does not. The segments have no URG flag and an urgent pointer of 0, so the
 * pointer's new value means nothing to TCP (RFC 9293 §3.1).
 */
import type { Behaviour } from './scenario.js';

export interface MiddleboxPlan {
  /** The interfaces of the middlebox towards the client and towards the server. */
  client: string;
  server: string;
  /** The addresses the client joins from (its extra addresses), as a prefix. */
  joinPrefix: string;
}

/** The statements that clear the 16-bit word at bit offset `at` of the TCP header and keep the TCP checksum right (see above). */
function clear16(at: number): string {
  return `@th,144,16 set @th,${at},16 @th,${at},16 set 0`;
}

/** Segments the clearing rules may touch: no URG flag, an urgent pointer of 0. */
const NO_URGENT = 'tcp flags & urg == 0 tcp urgptr 0';

/** MP_JOIN SYN/ACK: kind 30, length 16, subtype 1; the truncated HMAC starts 4 octets into the option. */
function corruptJoinHmac(): string[] {
  // Options are not at fixed places: one rule per place the option can start in a SYN/ACK (the TCP header's options, 20 to 60 octets in).
  // The HMAC's first two octets are cleared.
  const rules: string[] = [];
  for (let at = 20; at + 16 <= 60; at++) {
    const bit = at * 8;
    rules.push(`tcp flags & (syn|ack) == (syn|ack) ${NO_URGENT} @th,${bit},16 0x1e10 @th,${bit + 16},4 0x1 ${clear16(bit + 32)}`);
  }
  return rules;
}

export function middleboxRules(behaviour: Behaviour, p: MiddleboxPlan): string[] {
  const fromClient = `iifname "${p.client}"`;
  const fromServer = `iifname "${p.server}"`;
  switch (behaviour) {
    case 'none':
      return [];
    case 'strip-syn':
      return ['tcp flags & (syn|ack) == syn reset tcp option mptcp'];
    case 'strip-syn-ack':
      return ['tcp flags & (syn|ack) == (syn|ack) reset tcp option mptcp'];
    case 'strip-third-ack':
      // The client's MP_CAPABLE ACK without data (length 20): the third ACK only. MP_CAPABLE with data (22 or 24 octets) passes.
      return [`${fromClient} tcp flags & (syn|ack|fin|rst) == ack tcp option mptcp subtype 0 tcp option mptcp length 20 reset tcp option mptcp`];
    case 'strip-after-handshake-client-to-server':
      // Every MPTCP option but MP_CAPABLE, on every segment without SYN, in one direction: DSS vanishes once data flows.
      return [`${fromClient} tcp flags & syn == 0 tcp option mptcp subtype != 0 reset tcp option mptcp`];
    case 'strip-after-handshake-server-to-client':
      return [`${fromServer} tcp flags & syn == 0 tcp option mptcp subtype != 0 reset tcp option mptcp`];
    case 'drop-mp-capable-syn':
      return ['tcp flags & (syn|ack) == syn tcp option mptcp exists drop'];
    case 'strip-join':
      return [`ip saddr ${p.joinPrefix} reset tcp option mptcp`, `ip daddr ${p.joinPrefix} reset tcp option mptcp`];
    case 'strip-join-after-handshake':
      // On the join subflow, every MPTCP option but MP_JOIN (the join's handshake goes through; DSS vanishes after it).
      return [
        `ip saddr ${p.joinPrefix} tcp flags & syn == 0 tcp option mptcp subtype != 1 reset tcp option mptcp`,
        `ip daddr ${p.joinPrefix} tcp flags & syn == 0 tcp option mptcp subtype != 1 reset tcp option mptcp`,
      ];
    case 'corrupt-join-hmac':
      return corruptJoinHmac();
    case 'corrupt-payload':
      // Two octets, 1000 octets into one full-sized segment from the client (so in its payload, past any TCP header), cleared once.
      return [`${fromClient} ip length > 1100 tcp flags & syn == 0 ${NO_URGENT} @th,8000,16 != 0 limit rate 1/day burst 1 packets ${clear16(8000)}`];
  }
}

/** The whole nftables ruleset the middlebox loads: one table of the run's own. */
export function middleboxRuleset(behaviour: Behaviour, p: MiddleboxPlan): string {
  const rules = middleboxRules(behaviour, p);
  return `table ip conformatrix_middlebox {\n  chain mangle {\n    type filter hook forward priority mangle; policy accept;\n${rules.map((r) => `    ${r}\n`).join('')}  }\n}\n`;
}

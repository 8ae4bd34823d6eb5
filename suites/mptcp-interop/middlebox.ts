/**
 * The middlebox behaviours, as the nftables rules the middlebox node loads.
 * The rules sit in the forward path (priority mangle) of a node that routes
 * between the client's network (interface `client`) and the server's
 * (interface `server`). nft fixes the TCP checksum after every change, as a
 * real middlebox would.
 */
import type { Behaviour } from './scenario.js';

export interface MiddleboxPlan {
  /** The interfaces of the middlebox towards the client and towards the server. */
  client: string;
  server: string;
  /** The addresses the client joins from (its extra addresses), as a prefix. */
  joinPrefix: string;
}

/** MP_JOIN SYN/ACK: kind 30, length 16, subtype 1; the truncated HMAC starts 4 octets into the option. */
function corruptJoinHmac(): string[] {
  // Options are not at fixed places: one rule per place the option can start in a SYN/ACK (the TCP header's options, 20 to 60 octets in).
  const rules: string[] = [];
  for (let at = 20; at + 16 <= 60; at++) {
    const bit = at * 8;
    rules.push(`tcp flags & (syn|ack) == (syn|ack) @th,${bit},16 0x1e10 @th,${bit + 16},4 0x1 @th,${bit + 32},8 set @th,${bit + 32},8 ^ 0xff`);
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
      return [`ip saddr ${p.joinPrefix} tcp flags & syn == 0 tcp option mptcp subtype != 1 reset tcp option mptcp`, `ip daddr ${p.joinPrefix} tcp flags & syn == 0 tcp option mptcp subtype != 1 reset tcp option mptcp`];
    case 'corrupt-join-hmac':
      return corruptJoinHmac();
    case 'corrupt-payload':
      // One octet, 1000 octets into one full-sized segment from the client (so in its payload, past any TCP header), flipped once.
      return [`${fromClient} ip length > 1100 tcp flags & syn == 0 limit rate 1/day burst 1 packets @th,8000,8 set @th,8000,8 ^ 0xff`];
  }
}

/** The whole nftables ruleset the middlebox loads: one table of the run's own. */
export function middleboxRuleset(behaviour: Behaviour, p: MiddleboxPlan): string {
  const rules = middleboxRules(behaviour, p);
  return `table ip conformatrix_middlebox {\n  chain mangle {\n    type filter hook forward priority mangle; policy accept;\n${rules.map((r) => `    ${r}\n`).join('')}  }\n}\n`;
}

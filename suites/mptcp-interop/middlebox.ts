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
  /** Every address of the client (its first and its join addresses), as a prefix. */
  clientPrefix: string;
  /** The server's address and the port it listens on. */
  serverAddress: string;
  port: number;
}

/** The MSS the `clamp-mss` behaviour leaves in every SYN and SYN/ACK, and `clamp-mss-join` in the join subflow's. */
export const MSS_CLAMP = 536;
export const MSS_CLAMP_JOIN = 400;
/**
 * The `nat` behaviour's public address: no network's, so every node routes it
 * to the middlebox by its default route, where conntrack translates it back.
 */
export const NAT_ADDRESS = '10.74.0.1';
/** The ports `nat` translates the client's ports to: outside Linux's ephemeral range (32768-60999), so every port is rewritten. */
export const NAT_PORTS = '20000-20999';
/**
 * The `ftp-alg` behaviour's NAT address: its dotted form is longer than the client's (10,74,100,100 against 10,72,1,2 in a PORT
 * command), so the FTP helper's rewrite changes the payload's length and the helper adjusts sequence numbers from then on.
 */
export const FTP_NAT_ADDRESS = '10.74.100.100';
/**
 * The FTP commands the client sends ahead of its data in `ftp-alg` scenarios: a login, then PORT with its own address and port
 * 20000. The helper reads a command only where a line of its direction ended before (it follows the stream from line to line).
 */
export const FTP_COMMANDS = 'USER anonymous\r\nPORT 10,72,1,2,78,32\r\n';
/**
 * The server's reply to each of FTP_COMMANDS (vsftpd's words). The client waits for each before it goes on, as an FTP client
 * does, so the PORT command is a segment of its own and the first octets the server sends after the rewrite are its reply,
 * sent the moment it has read the command (docs/targets/linux-6.1.md: what a kernel client does depends on how soon they come).
 */
export const FTP_REPLIES = '331 Please specify the password.\r\n200 PORT command successful. Consider using PASV.\r\n';
/** Where HAProxy (`tcp-proxy`) listens in the middlebox; the client's connections to the server's port are redirected to it. */
export const PROXY_PORT = 18080;
/** The named counter every real-middlebox rule bumps when it acts on a segment (or, in a NAT chain, a connection). */
export const ACTED = 'acted';

/** A kernel feature a behaviour needs: its Kconfig symbol and the module that has it. */
export interface KernelFeature {
  config: string;
  module: string;
}

/** What the middlebox is set up with, beyond its nftables ruleset. */
export interface MiddleboxSetup {
  ruleset: string;
  /** Whether the behaviour is a real middlebox whose rules bump the ACTED counter: a pair where it stays 0 cannot pass. */
  counted: boolean;
  /** Kernel features the behaviour needs; without one the scenario is unsupported. */
  features: KernelFeature[];
  /** Sysctls of the middlebox node. */
  sysctls: Record<string, number>;
  /** HAProxy's configuration, when the behaviour is a TCP-terminating proxy. */
  haproxy?: string;
  /** Shell commands whose output, after the transfer, is kept as the middlebox's own account (its counters, statistics). */
  state: string[];
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

const count = `counter name "${ACTED}"`;

/** Clamps the MSS option of SYNs and SYN/ACKs (`match` narrows which) to `mss`, counting each one it lowers. */
function clampMss(match: string, mss: number): string {
  return `${match}tcp flags & (syn|rst) == syn tcp option maxseg size > ${mss} ${count} tcp option maxseg size set ${mss}`;
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
    case 'clamp-mss':
      // Every subflow's handshake, both ways, as a router clamping to a small path MTU does.
      return [clampMss('', MSS_CLAMP)];
    case 'clamp-mss-join':
      // Only the join subflow's handshake: the second subflow gets a smaller MSS than the first while the connection runs.
      return [clampMss(`ip saddr ${p.joinPrefix} `, MSS_CLAMP_JOIN), clampMss(`ip daddr ${p.joinPrefix} `, MSS_CLAMP_JOIN)];
    case 'nat':
      // Connections the server opens towards the client's private addresses (a join to an address the client announced) do not get
      // through a NAT: refused as the Internet would, with an ICMP error. Replies to the client's own connections are "established".
      return [`${fromServer} ip daddr ${p.clientPrefix} ct state new counter name "refused" reject with icmp type host-unreachable`];
    case 'syn-proxy':
      // The SYN is not tracked, so synproxy answers it with a cookie; once the client's ACK proves the cookie, synproxy opens the
      // connection to the server itself and translates sequence numbers from then on. Segments conntrack cannot place are dropped.
      return [
        `${fromClient} tcp dport ${p.port} ct state invalid,untracked ${count} synproxy mss 1460 sack-perm timestamp`,
        `${fromClient} tcp dport ${p.port} ct state invalid drop`,
      ];
    case 'tcp-proxy':
      return [];
    case 'ftp-alg':
      // The helper's rewrite cannot be matched in nft; the sequence adjustment it sets up when it changes a payload's length can
      // (IPS_SEQ_ADJUST, bit 6 of the conntrack status): every segment adjusted after the rewrite is counted.
      return [`ct status & 0x40 == 0x40 ${count}`];
  }
}

/** Rules of the behaviour in other hooks: NAT (`nat`, `tcp-proxy`, `ftp-alg`), the FTP helper, untracked SYNs (`syn-proxy`). */
function extraChains(behaviour: Behaviour, p: MiddleboxPlan): string {
  switch (behaviour) {
    case 'nat':
      // Source NAT with port rewriting of every connection from the client (both of its addresses: the join goes through it too).
      return chain('srcnat', 'type nat hook postrouting priority srcnat', [
        `oifname "${p.server}" ip saddr ${p.clientPrefix} meta l4proto tcp ${count} snat to ${NAT_ADDRESS}:${NAT_PORTS}`,
      ]);
    case 'syn-proxy':
      return chain('raw', 'type filter hook prerouting priority raw', [`iifname "${p.client}" tcp dport ${p.port} tcp flags & (syn|ack|rst) == syn notrack`]);
    case 'ftp-alg':
      // The kernel's FTP helper on the client's connections to the server (any port: the helper is set explicitly), and NAT, so
      // that nf_nat_ftp rewrites the address of a PORT command to the NAT's.
      return (
        `  ct helper ftp {\n    type "ftp" protocol tcp;\n  }\n` +
        chain('helpers', 'type filter hook prerouting priority filter', [`iifname "${p.client}" tcp dport ${p.port} ct helper set "ftp"`]) +
        chain('srcnat', 'type nat hook postrouting priority srcnat', [
          `oifname "${p.server}" ip saddr ${p.clientPrefix} meta l4proto tcp snat to ${FTP_NAT_ADDRESS}`,
        ])
      );
    case 'tcp-proxy':
      // The client's connections to the server are redirected to HAProxy, which opens its own to the server.
      return chain('dstnat', 'type nat hook prerouting priority dstnat', [`iifname "${p.client}" tcp dport ${p.port} ${count} redirect to :${PROXY_PORT}`]);
    default:
      return '';
  }
}

function chain(name: string, type: string, rules: string[]): string {
  return `  chain ${name} {\n    ${type}; policy accept;\n${rules.map((r) => `    ${r}\n`).join('')}  }\n`;
}

/** HAProxy in TCP mode: one frontend where the redirect lands, the server as the only backend; a log line per session, with its octets. */
function haproxyConfig(p: MiddleboxPlan): string {
  return [
    'global',
    '  log stdout format raw local0',
    '  # A soft stop (SIGUSR1) waits for open sessions to end and log, at most this long.',
    '  hard-stop-after 5s',
    // HAProxy's default level-triggered epoll polls a socket only for what it waits for. After it has shut the sending side
    // of a connection whose peer had shut its own while octets of the peer still wait unread (its buffer towards the other
    // side full), epoll reports EPOLLHUP without EPOLLIN, and HAProxy takes that for the end of the data: it stops reading,
    // logs a normal end and closes, the kernel answering the unread octets with a reset (HAProxy 2.6.12, raw_sock_to_buf;
    // docs/mptcp-interop.md, "HAProxy ends a session before it has forwarded everything"). Edge-triggered polling
    // registers every socket for input as well, so each report carries EPOLLIN while octets or the peer's FIN wait.
    '  # Edge-triggered polling: the level-triggered default loses unread octets once both ends have shut (docs/mptcp-interop.md).',
    '  expose-experimental-directives',
    '  tune.fd.edge-triggered on',
    'defaults',
    '  mode tcp',
    '  log global',
    '  timeout connect 10s',
    '  timeout client 120s',
    '  timeout server 120s',
    'frontend interop',
    `  bind 0.0.0.0:${PROXY_PORT}`,
    '  log-format "session %ci:%cp -> %si:%sp uploaded=%U downloaded=%B termination=%ts"',
    '  default_backend endpoint',
    'backend endpoint',
    `  server endpoint ${p.serverAddress}:${p.port}`,
    '',
  ].join('\n');
}

const NAT: KernelFeature[] = [
  { config: 'NF_NAT', module: 'nf_nat' },
  { config: 'NFT_NAT', module: 'nft_nat' },
];

/** The middlebox node's sysctls for a behaviour (set when the node is made: a container's /proc/sys is read-only later). */
export function middleboxSysctls(behaviour: Behaviour): Record<string, number> {
  // synproxy needs conntrack to call an ACK it has no connection for invalid, not pick the connection up (nft synproxy docs).
  return behaviour === 'syn-proxy' ? { 'net.netfilter.nf_conntrack_tcp_loose': 0 } : {};
}

/** Everything the middlebox needs for a behaviour. */
export function middleboxSetup(behaviour: Behaviour, p: MiddleboxPlan): MiddleboxSetup {
  const counted = ['clamp-mss', 'clamp-mss-join', 'nat', 'syn-proxy', 'tcp-proxy', 'ftp-alg'].includes(behaviour);
  const features: KernelFeature[] =
    behaviour === 'nat'
      ? NAT
      : behaviour === 'tcp-proxy'
        ? [...NAT, { config: 'NFT_REDIR', module: 'nft_redir' }]
        : behaviour === 'syn-proxy'
          ? [
              { config: 'NETFILTER_SYNPROXY', module: 'nf_synproxy_core' },
              { config: 'NFT_SYNPROXY', module: 'nft_synproxy' },
            ]
          : behaviour === 'ftp-alg'
            ? [
                ...NAT,
                { config: 'NFT_CT', module: 'nft_ct' },
                { config: 'NF_CONNTRACK_FTP', module: 'nf_conntrack_ftp' },
                { config: 'NF_NAT_FTP', module: 'nf_nat_ftp' },
              ]
            : [];
  return {
    ruleset: middleboxRuleset(behaviour, p),
    counted,
    features,
    sysctls: middleboxSysctls(behaviour),
    ...(behaviour === 'tcp-proxy' ? { haproxy: haproxyConfig(p) } : {}),
    state: [
      'nft list ruleset',
      ...(behaviour === 'syn-proxy' ? ['cat /proc/net/stat/synproxy'] : []),
      // The FTP helper's expectation of the data connection the PORT command announced, with the rewritten address.
      ...(behaviour === 'ftp-alg' ? ['cat /proc/net/nf_conntrack_expect'] : []),
    ],
  };
}

/** The whole nftables ruleset the middlebox loads: one table of the run's own. */
export function middleboxRuleset(behaviour: Behaviour, p: MiddleboxPlan): string {
  const counters = `  counter ${ACTED} {\n  }\n  counter refused {\n  }\n`;
  return `table ip conformatrix_middlebox {\n${counters}${chain('mangle', 'type filter hook forward priority mangle', middleboxRules(behaviour, p))}${extraChains(behaviour, p)}}\n`;
}

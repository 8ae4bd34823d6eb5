/**
 * Runs inside the browser's network namespace (see netns.ts), started by
 * in-netns.sh with the browser's command line: brings the namespace's
 * loopback up, listens on the proxy's address and port there, takes each
 * connection through the adapter's unix socket to the real proxy, and starts
 * the browser with playwright's pipes (file descriptors 3 and 4). It exits
 * with the browser, so that playwright sees its browser end.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { constants } from 'node:os';
import { splice } from './netns.js';

const env = process.env;
const [host, port] = env.CONFORMATRIX_NETNS_LISTEN!.split(':') as [string, string];

execFileSync(env.CONFORMATRIX_NETNS_IP!, ['link', 'set', 'lo', 'up']);
const server = createServer((c) => splice(c, createConnection(env.CONFORMATRIX_NETNS_SOCKET!)));
server.listen(Number(port), host, () => {
  const browser = spawn(env.CONFORMATRIX_NETNS_BROWSER!, process.argv.slice(2), { stdio: ['ignore', 'inherit', 'inherit', 3, 4] });
  browser.on('exit', (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(s, () => browser.kill(s));
});

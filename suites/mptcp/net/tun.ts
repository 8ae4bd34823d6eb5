/**
 * A TUN device seen from Node.js: the bridge process (tun-bridge.py) runs in
 * the device's network namespace and relays packets as length-prefixed frames
 * over its stdio. Packets the kernel routes to the device arrive as 'packet'
 * events; send() hands packets to the kernel as if they came in on the device.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { track } from '../../../runner/cleanup.js';
import { python } from './python.js';

const BRIDGE = fileURLToPath(new URL('../../../../suites/mptcp/net/tun-bridge.py', import.meta.url));

export class TunDevice extends EventEmitter {
  readonly name: string;
  readonly namespace: string;
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly untrack: () => void;
  readonly ready: Promise<void>;
  private closed = false;

  private constructor(namespace: string, name: string, ethernet: string | undefined) {
    super();
    this.namespace = namespace;
    this.name = name;
    const bridge = [python(), BRIDGE, name, ...(ethernet ? ['--ethernet', ethernet] : [])];
    // An empty namespace is this process's own (a container, where namespaces cannot be made).
    const argv = namespace ? ['ip', 'netns', 'exec', namespace, ...bridge] : bridge;
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const pid = this.child.pid;
    this.untrack = track(`tun bridge ${namespace}/${name}`, { sync: () => pid && process.kill(pid, 'SIGKILL') });
    let stderr = '';
    this.child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    this.ready = new Promise((resolve, reject) => {
      this.once('attached', resolve);
      this.child.once('exit', (code) => reject(new Error(`tun bridge for ${namespace}/${name} exited with ${code}: ${stderr.trim()}`)));
    });
    this.child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    this.child.once('exit', () => {
      this.closed = true;
      this.untrack();
      this.emit('close');
    });
    this.child.stdin.on('error', () => undefined);
  }

  /**
   * Attaches to an existing TUN device in a namespace (see Lab.tun), or in this process's own when the namespace is "";
   * with `ethernet` (the MAC of the host on its other side), to a tap device.
   */
  static async open(namespace: string, name: string, options: { ethernet?: string } = {}): Promise<TunDevice> {
    const dev = new TunDevice(namespace, name, options.ethernet);
    await dev.ready;
    return dev;
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    while (this.buffer.length >= 4) {
      const length = this.buffer.readUInt32BE(0);
      if (this.buffer.length < 4 + length) break;
      const packet = this.buffer.subarray(4, 4 + length);
      this.buffer = this.buffer.subarray(4 + length);
      if (length === 0) this.emit('attached');
      else this.emit('packet', new Uint8Array(packet));
    }
  }

  send(packet: Uint8Array): void {
    if (this.closed) return;
    const header = Buffer.alloc(4);
    header.writeUInt32BE(packet.length);
    this.child.stdin.write(Buffer.concat([header, packet]));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const done = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 1000);
    await done;
    clearTimeout(timer);
  }
}

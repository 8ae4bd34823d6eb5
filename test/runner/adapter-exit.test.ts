// How an adapter stopped is a typed fault kind that its driver gives, never
// read back from the words of the reason: a program that cannot be run is
// start-failed, an adapter that ran and ended is exited, whatever either says.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { localDriver } from '../../runner/local-driver.js';
import { StreamTransport } from '../../runner/stream-transport.js';
import { AdapterFault } from '../../runner/transport.js';

/** The fault a call gets from an adapter that stops before it answers. */
async function faultOf(call: Promise<unknown>): Promise<AdapterFault> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof AdapterFault, String(err));
    return err;
  }
  assert.fail('the call was answered');
}

describe('adapter exits', function () {
  this.timeout(60_000);

  // A missing program is run by the shell that puts it in its cgroup, when there is one (as root), and that shell exits 127:
  // a folder that does not exist is what no process can be started in, wrapped or not.
  const cases: { name: string; command: string[]; cwd?: string; kind: string; reason: RegExp }[] = [
    {
      name: 'a program that cannot be run: start-failed',
      command: [process.execPath],
      cwd: '/nonexistent/conformatrix-no-such-folder',
      kind: 'start-failed',
      reason: /^cannot start .*node: spawn .*ENOENT/,
    },
    {
      name: 'an adapter that exits, even one whose stderr says it cannot start: exited',
      command: [process.execPath, '-e', "process.stderr.write('cannot start the engine\\n'); process.exit(3)"],
      kind: 'exited',
      reason: /^adapter exited with code 3; stderr: cannot start the engine$/,
    },
    {
      name: 'an adapter killed by a signal: exited',
      command: [process.execPath, '-e', "process.kill(process.pid, 'SIGKILL')"],
      kind: 'exited',
      reason: /^adapter was killed by SIGKILL$/,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const transport = await localDriver({ command: c.command, cwd: c.cwd ?? process.cwd() }).start();
      try {
        const fault = await faultOf(transport.call('hello', {}));
        assert.equal(fault.kind, c.kind);
        assert.match(fault.message, c.reason);
      } finally {
        await transport.close();
      }
    });
  }

  it('takes the kind from the driver, not from the words of how it stopped', async () => {
    let stop!: (exit: { kind: 'start-failed' | 'exited'; how: string }) => void;
    const exited = new Promise<{ kind: 'start-failed' | 'exited'; how: string }>((resolve) => (stop = resolve));
    const t = new StreamTransport({ stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), exited, kill: () => undefined });
    const pending = t.call('a', {});
    stop({ kind: 'exited', how: 'cannot start: what an exited adapter might say' });
    assert.equal((await faultOf(pending)).kind, 'exited');
  });
});

// The linux-6.1 target end to end: Debian's 6.1 LTS kernel booted under QEMU once for the run, a few packet-level
// vectors against it through its tap device, the version and the kernel package it reports, and nothing left after.
// Skipped, with the reason, where the target cannot run (no qemu, no kernel package, not root).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cli, readRun, tempDir, verdicts } from '../helpers.js';
import { skipWithReason } from '../docker/helpers.js';
import { vmMissing } from './helpers.js';

describe('linux-6.1: a 6.1 LTS kernel under QEMU as an MPTCP target', function () {
  this.timeout(600_000);

  it('passes the MP_CAPABLE handshakes as a listener and as a connecting host, and reports the kernel package it booted', async function () {
    const why = vmMissing();
    if (why) return skipWithReason(this, why);
    const out = tempDir();
    const before = readFileSync('/proc/net/dev', 'utf8');
    const r = cli(
      ['run', '--suite', 'mptcp', '--driver', 'local', '--target', 'linux-6.1', '--grep', ' mptcp/capable/(server/v1-handshake|client/v1-syn): ', '--out', out],
      { timeout: 600_000 },
    );
    const run = readRun(out);
    // Both sides of the handshake: the guest as listener and as initiator, every segment through the tap device.
    assert.deepEqual(verdicts(run, 'linux-6.1'), { 'mptcp/capable/server/v1-handshake': 'pass', 'mptcp/capable/client/v1-syn': 'pass' }, r.stdout);
    const target = run.targets.find((t) => t.id === 'linux-6.1')!;
    assert.match(target.implementation!.version, /^6\.1\.\d+-\d+-amd64$/, 'the version is the guest uname -r');
    const build = target.implementation!.build!;
    assert.match(build.package, /^linux-image-6\.1\./);
    const image = `/boot/vmlinuz-${build.package.slice('linux-image-'.length)}`;
    assert.equal(build.sha256, createHash('sha256').update(readFileSync(image)).digest('hex'), 'the hash is that of the image that booted');
    // The VM's tap device lived in a namespace of the run: none is left on the host's own.
    assert.equal(
      readFileSync('/proc/net/dev', 'utf8')
        .split('\n')
        .filter((l) => l.includes('tap')).length,
      before.split('\n').filter((l) => l.includes('tap')).length,
    );
  });
});

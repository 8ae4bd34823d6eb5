// The docker driver builds the images of a suite's helper nodes (Suite.fabricImages: the interop middlebox) before
// the first vector, so that a build never runs inside a scenario's set-up and its start-up budget. With the
// middlebox's image removed, one scenario runs with the docker driver: the run must say it built the image before
// it starts the vectors ("built ... in ... s" ahead of "Running ..."), and the scenario must pass. A build inside the
// scenario would say nothing. The image is removed without its parent layers (docker rmi --no-prune), so the build
// that follows comes from the layer cache and takes seconds, not an apt-get install.
// The run's deadline (and with it the start-up budget) is raised to 120 s: on a loaded machine creating the scenario's
// networks and containers alone took over 30 s. The order of the two lines, not a clock, is what the test checks.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contentHash, contextFiles, imageName } from '../../runner/docker/images.js';
import type { Target } from '../../runner/targets.js';
import { middleboxSetup } from '../../suites/mptcp-interop/middlebox.js';
import { missingKernelFeature } from '../../suites/mptcp-interop/kernel.js';
import { SUITE_DIR } from '../../suites/mptcp-interop/paths.js';
import { labUnavailable } from '../../suites/mptcp/net/lab.js';
import { dockerMissing, leftovers, skipWithReason } from '../docker/helpers.js';
import { CLI, readRun, ROOT, tempDir } from '../helpers.js';

const FILE = join(ROOT, 'vectors', 'mptcp-interop', 'real-middleboxes.json');
const VECTOR = 'mptcp-interop/real-middlebox/nat';

/** The middlebox image's name, as the docker driver makes it (DockerDriver.fabricImage): by the content hash of its folder. */
function middleboxImage(): string {
  const target = { id: 'fabric-middlebox', dir: join(SUITE_DIR, 'middlebox'), manifest: { name: 'middlebox', suites: [], local: { command: [] }, docker: {} } };
  return imageName(target as unknown as Target, contentHash(contextFiles(target as unknown as Target)));
}

const imageExists = (image: string) => spawnSync('docker', ['image', 'inspect', image], { encoding: 'utf8' }).status === 0;

describe('mptcp interop, docker driver: the middlebox image is built before the first scenario', function () {
  this.timeout(900_000);

  it('with the image removed, the run builds it ahead of the vectors, and the scenario passes', async function () {
    const why =
      labUnavailable() ??
      missingKernelFeature(middleboxSetup('nat', { client: 'c', server: 's', joinPrefix: '', clientPrefix: '', serverAddress: '', port: 1 }).features) ??
      (await dockerMissing());
    if (why) return skipWithReason(this, why);
    const image = middleboxImage();
    if (imageExists(image)) {
      const rm = spawnSync('docker', ['rmi', '--no-prune', image], { encoding: 'utf8' });
      assert.equal(rm.status, 0, `removing ${image}: ${rm.stderr}`);
    }
    assert.ok(!imageExists(image), `${image} is gone before the run`);
    const out = tempDir();
    // Both streams into one file, in the order they were written: the build's line is on stderr, the progress on stdout.
    const log = join(out, 'run.log');
    const fd = openSync(log, 'w');
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'run',
        '--suite',
        'mptcp-interop',
        '--target',
        'reference',
        '--vectors',
        FILE,
        '--grep',
        `${VECTOR}: `,
        '--driver',
        'docker',
        '--timeout',
        '120000',
        '--out',
        out,
      ],
      { cwd: ROOT, stdio: ['ignore', fd, fd], env: { ...process.env, TESTCONTAINERS_RYUK_DISABLED: 'true' }, timeout: 600_000 },
    );
    closeSync(fd);
    const text = readFileSync(log, 'utf8');
    assert.equal(r.status, 0, text);
    const lines = text.split('\n');
    const built = lines.findIndex((l) => l.startsWith(`built ${image} in `));
    const running = lines.findIndex((l) => l.startsWith('Running '));
    assert.ok(built >= 0, `the run said it built ${image}:\n${text}`);
    assert.ok(running > built, `the image was built before the first vector started:\n${text}`);
    const results = readRun(out).results;
    assert.deepEqual(
      results.map((x) => [x.targetId, x.vectorId, x.verdict]),
      [['reference+reference', VECTOR, 'pass']],
      JSON.stringify(results.map((x) => x.reason)),
    );
    assert.equal((results[0]!.details as { topology: string }).topology, 'containers');
    assert.ok(imageExists(image), `${image} is there after the run`);
    assert.deepEqual(leftovers(r.pid!), []);
  });
});

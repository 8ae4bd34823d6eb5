// The docker driver: images by content hash, build errors verbatim, the same results as the local driver, and isolation.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { disposeAll } from '../../runner/cleanup.js';
import { DockerDriver, exitReason } from '../../runner/docker/driver.js';
import { contentHash, contextFiles, ensureImage, ImageBuildError } from '../../runner/docker/images.js';
import type { RunResults } from '../../runner/model.js';
import { runCommand } from '../../runner/run.js';
import { AdapterFault } from '../../runner/transport.js';
import { discoverTargets, loadTarget, type Target } from '../../runner/targets.js';
import { OriginServer } from '../../suites/cookies/http/origin-server.js';
import { FIXTURES, readRun, tempDir } from '../helpers.js';
import { dockerMissing, leftovers, skipWithReason } from './helpers.js';

const DOCKER_TARGETS = join(FIXTURES, 'docker-targets');

describe('docker driver', function () {
  this.timeout(900_000);
  let missing: string | undefined;

  before(async function () {
    missing = await dockerMissing();
    if (missing) skipWithReason(this, missing);
  });

  it('tags an image with the hash of what goes into it, and never rebuilds an unchanged target', async () => {
    const target = discoverTargets().find((t) => t.id === 'python-cookiejar')!;
    await ensureImage(target);
    const again = await ensureImage(target);
    assert.equal(again.built, false);
    assert.match(again.image, /^conformatrix\/python-cookiejar:[0-9a-f]{16}$/);
    const copy = tempDir();
    cpSync(target.dir, copy, { recursive: true });
    const before = contentHash(contextFiles({ ...target, dir: copy }));
    writeFileSync(join(copy, 'adapter.py'), '# changed\n', { flag: 'a' });
    assert.notEqual(contentHash(contextFiles({ ...target, dir: copy })), before);
  });

  it("shows a failed build's output verbatim", async () => {
    const target = loadTarget(join(DOCKER_TARGETS, 'broken'));
    const err = await ensureImage(target).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ImageBuildError, String(err));
    assert.match(err.output, /about to install a package that does not exist/);
    assert.match(err.output, /Unable to locate package conformatrix-no-such-package/);
    assert.match(err.output, /ERROR: The command '\/bin\/sh -c .*' returned a non-zero code: 100/);
  });

  /** Browsers whose whole cookie suite takes tens of minutes on two cores (docs/targets/firefox.md, webkit.md): compared on a slice. */
  const SLOW_BROWSERS = ['firefox', 'webkit'];
  const cookieTargets = discoverTargets().filter((t) => t.manifest.suites.includes('cookies'));

  /** Runs the cookie suite (or the vectors `grep` picks) on `targets` with both drivers; both runs' results by target and vector. */
  async function bothDrivers(targets: string[], grep?: string) {
    const run = async (driver: 'local' | 'docker', only = grep, on = targets) => {
      const out = tempDir();
      await runCommand({ suites: ['cookies'], targets: on, vectors: [], ...(only ? { grep: only } : {}), out, quiet: true, driver, timeoutMs: 20_000 });
      return readRun(out);
    };
    const local = await run('local');
    const docker = await run('docker');
    // A failing vector's actual headers are compared as sets of cookies: where a target orders cookies created in the
    // same millisecond as it likes (java-httpclient does), two runs of the same failure may list them in either order.
    const unordered = (actual: unknown) =>
      JSON.stringify(actual, (_k, v: unknown) =>
        v && typeof v === 'object' && 'cookie' in v && typeof (v as { cookie: unknown }).cookie === 'string'
          ? { ...v, cookie: (v as { cookie: string }).cookie.split('; ').sort().join('; ') }
          : v,
      );
    const table = (r: RunResults) =>
      Object.fromEntries(
        r.results.map((x) => [`${x.targetId} ${x.vectorId}`, `${x.verdict} ${x.verdict === 'pass' ? JSON.stringify(x.actual) : unordered(x.actual)}`]),
      );
    assert.deepEqual(
      docker.targets.filter((t) => t.status !== 'available').map((t) => `${t.id}: ${t.reason}`),
      [],
    );
    assert.deepEqual(docker.targets.map((t) => t.id).sort(), [...targets].sort());
    for (const t of docker.targets) {
      assert.equal(t.driver, 'docker');
      assert.match(t.imageId ?? '', /^sha256:[0-9a-f]{64}$/, `${t.id} records its image id`);
    }
    const [inDocker, inPlace] = [table(docker), table(local)];
    // A vector that ended in error or timeout on one side only is played once more on both sides, and that play is
    // compared: this test is about the drivers giving the same verdicts, and a sporadic fault of one play is not a
    // driver's (seen in CI: java-httpclient's adapter ended in error once, locally, on a fixed-clock vector; the cause
    // is not established). A difference that comes back on the second play fails the test.
    const sporadic = Object.keys(inPlace).filter((k) => inPlace[k] !== inDocker[k] && [inPlace[k], inDocker[k]].some((v) => /^(error|timeout) /.test(v ?? '')));
    if (sporadic.length) {
      const again = `^(${sporadic.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')}): `;
      // Only the targets with a vector to play again: the run refuses a named target on which no vector runs.
      const on = [...new Set(sporadic.map((k) => k.split(' ')[0]!))];
      const [placeAgain, dockerAgain] = [table(await run('local', again, on)), table(await run('docker', again, on))];
      for (const k of sporadic) [inPlace[k], inDocker[k]] = [placeAgain[k]!, dockerAgain[k]!];
    }
    assert.deepEqual(inDocker, inPlace);
    return { local, docker };
  }

  it('runs the whole cookie suite on every target in containers, with the same results as the local driver, vector by vector', async () => {
    const targets = cookieTargets.filter((t) => !SLOW_BROWSERS.includes(t.id)).map((t) => t.id);
    assert.ok(targets.length >= 14);
    await bothDrivers(targets);
  });

  it('runs Firefox and WebKit in containers with the same results as the local driver, on a slice of the suite', async () => {
    const { docker } = await bothDrivers(SLOW_BROWSERS, 'cookies/(samesite/strict-|non-http/read-|parse/nameless/)');
    assert.ok(docker.results.filter((r) => r.verdict === 'pass').length >= 20, 'the slice runs for real');
  });

  describe('a hostile target', () => {
    let driver: DockerDriver;
    let hostCanary: Server;
    let harness: Server;
    let canaryContainer: ChildProcess | undefined;
    const canaryNet = `conformatrix-test-canary-${process.pid}`;
    let probe: { target: Target; address: string; hostPort: number; harnessPort: number; hostIp: string; canaryIp: string };

    before(async function () {
      if (missing) return this.skip();
      const listen = (s: Server, host: string) => new Promise<number>((resolve) => s.listen(0, host, () => resolve((s.address() as { port: number }).port)));
      // The probe may close before it reads what these send (a reset): that is not an error of the test.
      const answer = (text: string) => (s: import('node:net').Socket) => s.on('error', () => undefined).end(text);
      hostCanary = createServer(answer('canary\n'));
      harness = createServer(answer('harness\n'));
      driver = await DockerDriver.start({ outDir: tempDir() });
      const target = loadTarget(join(DOCKER_TARGETS, 'hostile'));
      const endpoint = await driver.harness(target);
      const hostPort = await listen(hostCanary, '0.0.0.0');
      const harnessPort = await listen(harness, endpoint.address);
      await endpoint.expose(harnessPort);
      // A second canary in a container on another network, which the test creates.
      const { image } = await driver.image(target);
      spawnSync('docker', ['network', 'create', '--label', `org.conformatrix.test=${process.pid}`, canaryNet]);
      canaryContainer = spawn('docker', ['run', '--rm', '--name', canaryNet, '--network', canaryNet, image, 'python3', '-m', 'http.server', '8000'], {
        stdio: 'ignore',
      });
      let canaryIp = '';
      for (let i = 0; i < 50 && !canaryIp; i++) {
        await new Promise((r) => setTimeout(r, 200));
        canaryIp = spawnSync('docker', ['inspect', canaryNet, '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}'], {
          encoding: 'utf8',
        }).stdout.trim();
      }
      assert.ok(canaryIp, 'the canary container started');
      const hostIp = spawnSync('sh', ['-c', "ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | grep -v '^172\\.' | head -1"], {
        encoding: 'utf8',
      }).stdout.trim();
      probe = { target, address: endpoint.address, hostPort, harnessPort, hostIp, canaryIp };
    });

    after(async () => {
      spawnSync('docker', ['rm', '-f', canaryNet]);
      spawnSync('docker', ['network', 'rm', canaryNet]);
      canaryContainer?.kill();
      hostCanary?.close();
      harness?.close();
      await driver?.dispose();
    });

    it('reaches the harness endpoint it was given, and nothing else: not the host, not another network', async () => {
      const transport = await driver.factory(probe.target, {}).start();
      await transport.call('hello', { contract: '1', suites: ['cookies'] });
      const addresses: [string, number][] = [
        [probe.address, probe.harnessPort],
        [probe.address, probe.hostPort],
        ...(probe.hostIp ? ([[probe.hostIp, probe.hostPort]] as [string, number][]) : []),
        [probe.canaryIp, 8000],
      ];
      const { results } = (await transport.call('probe', { addresses, timeout: 2 })) as { results: string[] };
      await transport.close();
      assert.equal(results[0], 'connected', 'the harness endpoint is reachable: the probe itself works');
      for (let i = 1; i < addresses.length; i++) assert.notEqual(results[i], 'connected', `${addresses[i]!.join(':')} must be out of reach, got ${results[i]}`);
      // And the canary really is up, seen from its own network.
      const seen = spawnSync(
        'docker',
        [
          'run',
          '--rm',
          '--network',
          canaryNet,
          (await driver.image(probe.target)).image,
          'python3',
          '-c',
          `import socket; socket.create_connection(("${probe.canaryIp}", 8000), timeout=3); print("up")`,
        ],
        { encoding: 'utf8' },
      );
      assert.equal(seen.stdout.trim(), 'up', seen.stderr);
    });
  });

  describe('two targets in one run', () => {
    let driver: DockerDriver;
    let server: OriginServer;
    let hostile: Target;
    let ordinary: Target;
    let endpoints: [string, number][];

    before(async function () {
      if (missing) return this.skip();
      const out = tempDir();
      driver = await DockerDriver.start({ outDir: out });
      server = new OriginServer({ outDir: out });
      hostile = loadTarget(join(DOCKER_TARGETS, 'hostile'));
      ordinary = discoverTargets().find((t) => t.id === 'python-cookiejar')!;
      // Each target's endpoint as the cookie suite opens it for a vector (suites/cookies/http/run-http.ts).
      endpoints = [];
      for (const target of [hostile, ordinary]) {
        const harness = await driver.harness(target);
        const { port } = await server.endpoint(target.id, harness.address);
        await harness.expose(port);
        endpoints.push([harness.address, port]);
      }
    });

    after(async () => {
      await server?.close();
      await driver?.dispose();
    });

    /** What the hostile adapter reaches of the run's endpoints, from its own network or placed on another. */
    const probeFrom = async (network?: string) => {
      const transport = await driver.factory(hostile, {}).start(network ? { network } : undefined);
      await transport.call('hello', { contract: '1', suites: ['cookies'] });
      const { results } = (await transport.call('probe', { addresses: endpoints, timeout: 2 })) as { results: string[] };
      await transport.close();
      return results;
    };

    it("a target reaches its own harness endpoint and not the other target's (which could forge that target's verdicts)", async () => {
      const [own, other] = await probeFrom();
      assert.equal(own, 'connected', 'its own endpoint is reachable: the probe itself works');
      assert.notEqual(other, 'connected', `${endpoints[1]!.join(':')}, the endpoint of ${ordinary.id}, must be out of reach`);
    });

    it("the other target's endpoint is open from that target's network, and only from there", async () => {
      const [first, second] = await probeFrom(`conformatrix-${driver.runId}-${ordinary.id}`);
      assert.equal(second, 'connected', `${ordinary.id}'s endpoint is reachable from its network`);
      assert.notEqual(first, 'connected', `${hostile.id}'s endpoint must be out of reach from ${ordinary.id}'s network`);
    });
  });

  it('says an adapter killed by its container\'s memory limit ran out of memory, with the limit, rather than "exited with code 137"', async () => {
    // A small limit (64 MiB, through the driver's memoryGiB option) that the hostile adapter allocates past at once.
    const driver = await DockerDriver.start({ outDir: tempDir(), memoryGiB: 1 / 16 });
    try {
      const transport = await driver.factory(loadTarget(join(DOCKER_TARGETS, 'hostile')), {}).start();
      await transport.call('hello', { contract: '1', suites: ['cookies'] });
      const err = await transport.call('exhaust-memory', {}).then(
        () => undefined,
        (e: unknown) => e,
      );
      await transport.close();
      assert.ok(err instanceof AdapterFault, String(err));
      assert.match(err.message, /^adapter was killed: out of memory \(container limit 64 MiB\)/);
    } finally {
      await driver.dispose();
    }
    // The default limit reads in GiB; an ordinary exit is told as before.
    assert.equal(exitReason(137, true, 2), 'adapter was killed: out of memory (container limit 2 GiB)');
    assert.equal(exitReason(137, false, 2), 'adapter exited with code 137');
  });

  after(async () => {
    await disposeAll();
    if (!missing) assert.deepEqual(leftovers(process.pid), []);
  });
});

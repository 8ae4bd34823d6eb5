// What a run starts ends with it: descendants that detach, a signal after the reports, an endless line.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCommand } from '../../runner/run.js';
import { StreamTransport } from '../../runner/stream-transport.js';
import { CLI, FIXTURES, readRun, ROOT, tempDir, verdicts } from '../helpers.js';
import { MARK, markedProcesses } from '../leftovers.js';

const TARGETS = join(FIXTURES, 'contain-targets');

/** Whether a process is still there (a zombie is not: it holds nothing and only waits for its parent). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Runs the CLI and resolves with its exit code, or rejects when it has not exited after `limitMs`. */
function runCli(args: string[], env: Record<string, string>, limitMs: number): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'run', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the CLI had not exited ${limitMs} ms after it started; stderr: ${stderr}`));
    }, limitMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('runner: containment', function () {
  this.timeout(120_000);

  it('exits once the reports are written although an adapter left a setsid child holding its stdout, and that child is gone', async function () {
    const out = tempDir();
    const pidFile = join(out, 'escaped.pid');
    // The escaped child would live ten minutes; the run itself takes a few seconds.
    const r = await runCli(
      ['--vectors', join(FIXTURES, 'vectors', 'cli.json'), '--target-dir', TARGETS, '--target', 'escaper', '--grep', 'passes', '--out', out],
      { ESCAPER_PID_FILE: pidFile },
      90_000,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(verdicts(readRun(out), 'escaper')['cookies/cli/passes'], 'pass');
    const pids = readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number);
    assert.ok(pids.length >= 1);
    if (/adapters run in process groups only/.test(r.stderr)) {
      for (const pid of pids) spawnSync('kill', ['-KILL', String(pid)]);
      process.stdout.write(`      skipped the check on the escaped child: ${/\(([^)]*)\)/.exec(r.stderr)![1]}\n`);
      return this.skip();
    }
    assert.deepEqual(pids.filter(alive), [], 'the escaped children are gone');
  });

  it('leaves no temporary folder and no browser process when Chromium is killed after timeouts', async function () {
    if (!existsSync('/usr/lib/chromium/chromium') && !existsSync('/usr/bin/chromium')) {
      process.stdout.write('      skipped: chromium is not installed (targets/install-packages.sh installs it)\n');
      return this.skip();
    }
    const out = tempDir();
    const tmp = tempDir('conformatrix-tmpdir-');
    const mark = `chromium-timeouts-${process.pid}`;
    // 1 ms is too short for any page load (the browser itself starts in hello, under its own budget): each vector times
    // out, and the adapter is stopped after each timeout, with the browser it launched.
    const r = await runCli(
      ['--target', 'chromium', '--grep', 'cookies/attributes/repeated', '--timeout', '1', '--reporter', 'dot', '--out', out],
      { TMPDIR: tmp, [MARK]: mark },
      110_000,
    );
    assert.equal(r.code, 1, r.stderr);
    assert.ok(
      readRun(out).results.some((x) => x.verdict === 'timeout'),
      'some vectors timed out',
    );
    assert.deepEqual(readdirSync(tmp), [], 'the temporary folders of the browser and the run are gone');
    assert.deepEqual(markedProcesses(mark), [], 'no browser process is left');
    rmdirSync(tmp);
  });

  it('leaves no temporary folder and no browser process when Firefox is stopped after timeouts', async function () {
    if (!existsSync('/usr/bin/firefox-esr')) {
      process.stdout.write('      skipped: firefox-esr is not installed (targets/install-packages.sh firefox installs it)\n');
      return this.skip();
    }
    const out = tempDir();
    const tmp = tempDir('conformatrix-tmpdir-');
    const mark = `firefox-timeouts-${process.pid}`;
    // 1 ms is too short for any page load, however quiet the machine (300 ms was not: on an idle CI machine Firefox
    // loaded both vectors' pages in time and nothing timed out). The adapter is stopped (SIGTERM) during each vector,
    // with the browser it launched at hello. Each of the two vectors starts a Firefox, which takes the runner's whole 30 s start budget on
    // a machine as loaded as this project's shared ones have been.
    this.timeout(240_000);
    const r = await runCli(
      ['--target', 'firefox', '--grep', 'cookies/attributes/repeated-domain-last', '--timeout', '1', '--reporter', 'dot', '--out', out],
      { TMPDIR: tmp, [MARK]: mark },
      200_000,
    );
    assert.equal(r.code, 1, r.stderr);
    assert.ok(
      readRun(out).results.some((x) => x.verdict === 'timeout'),
      'some vectors timed out',
    );
    assert.deepEqual(readdirSync(tmp), [], "the profile folders and the run's temporary folder are gone");
    assert.deepEqual(markedProcesses(mark), [], 'no Firefox process is left');
    rmdirSync(tmp);
  });

  it('does not rewrite complete reports as interrupted on a signal after the run (library use)', () => {
    const out = tempDir();
    const script = `
      import { runCommand } from ${JSON.stringify(join(ROOT, 'dist', 'runner', 'run.js'))};
      const code = await runCommand({ suites: ['cookies'], targets: ['reference'], vectors: [${JSON.stringify(join(FIXTURES, 'vectors', 'cli.json'))}], out: ${JSON.stringify(out)}, quiet: true });
      process.stdout.write('run ended with ' + code + '\\n');
      process.kill(process.pid, 'SIGTERM');
      setInterval(() => {}, 1000);
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    assert.match(r.stdout, /run ended with 1/, r.stderr);
    assert.equal(r.status, 143, r.stderr);
    const run = readRun(out);
    assert.equal(run.run.interrupted, undefined, 'the finished run is not marked interrupted');
    assert.equal(run.results.length, 4);
    assert.doesNotMatch(r.stderr, /partial reports written/);
  });

  it('gives an adapter that writes a 65 MiB line without a newline the line-length error, not a timeout', async () => {
    const out = tempDir();
    // A generous timeout: the verdict must come from the limit, however slow the machine.
    const code = await runCommand({
      suites: ['cookies'],
      targets: ['long-line'],
      vectors: [join(FIXTURES, 'vectors', 'contain.json')],
      out,
      timeoutMs: 60_000,
      targetDirs: [TARGETS],
      quiet: true,
    });
    assert.equal(code, 1);
    const run = readRun(out);
    const v = verdicts(run, 'long-line');
    assert.equal(v['cookies/contain/long-line'], 'error');
    assert.match(run.results.find((r) => r.vectorId === 'cookies/contain/long-line')!.reason!, /adapter wrote a line longer than 67108864 bytes/);
    assert.equal(v['cookies/contain/ok-1'], 'pass');
    assert.equal(v['cookies/contain/ok-2'], 'pass', 'the adapter is restarted after the fault');
    assert.ok(existsSync(join(out, 'results.json')));
  });

  it('splits adapter output into lines whatever the chunks: a line over many chunks, several in one, CRLF, blank lines', async () => {
    const stdout = new PassThrough();
    const t = new StreamTransport({ stdin: new PassThrough(), stdout, stderr: new PassThrough(), exited: new Promise(() => undefined), kill: () => undefined });
    const big = 'y'.repeat(3 * 65536 + 17);
    const first = t.call('a', {});
    const text = `\n${JSON.stringify({ jsonrpc: '2.0', id: 1, result: big })}\r\n`;
    for (let at = 0; at < text.length; at += 65536) stdout.write(text.slice(at, at + 65536));
    assert.equal(await first, big);
    const second = t.call('b', {});
    stdout.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'log', params: {} })}\n\n${JSON.stringify({ jsonrpc: '2.0', id: 2, result: 'ok' })}\n`);
    assert.equal(await second, 'ok');
  });

  it('fails the pending call with the line-length error once a line passes 64 MiB, without a newline', async () => {
    const stdout = new PassThrough();
    const t = new StreamTransport({ stdin: new PassThrough(), stdout, stderr: new PassThrough(), exited: new Promise(() => undefined), kill: () => undefined });
    const pending = t.call('a', {});
    const mib = 'z'.repeat(1024 * 1024);
    for (let i = 0; i < 64; i++) stdout.write(mib);
    stdout.write('z');
    await assert.rejects(pending, /adapter wrote a line longer than 67108864 bytes/);
    assert.equal(t.alive, false);
  });
});

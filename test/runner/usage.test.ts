// Usage errors are usage errors: --help on every command; bad options and bad
// input files give one clear line (file, line, pointer where there are any) and
// exit 2, never a stack trace, and never after the vectors have run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_FILE_BYTES, MAX_JSON_DEPTH, MAX_VECTORS_PER_FILE, MAX_VECTORS_PER_RUN } from '../../runner/limits.js';
import { CLI, cli, FIXTURES, ROOT, tempDir } from '../helpers.js';

const VECTORS = join(FIXTURES, 'vectors', 'cli.json');

/** Exit 2, one line on stderr matching `message`, no stack trace. */
function usageError(r: ReturnType<typeof cli>, message: RegExp): void {
  assert.equal(r.status, 2, `exit code ${r.status}\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /\n\s+at |harness error/, 'no stack trace');
}

/** A vector file with `n` copies of the first vector of cli.json, each with its own id. */
function manyVectors(n: number, prefix = 'many'): string {
  const doc = JSON.parse(readFileSync(VECTORS, 'utf8')) as { vectors: { id: string }[] };
  const [first] = doc.vectors;
  doc.vectors = Array.from({ length: n }, (_, i) => ({ ...first!, id: `cookies/${prefix}/v${i}` }));
  const file = join(tempDir(), `${prefix}.json`);
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

describe('usage errors and bad input', function () {
  this.timeout(120_000);

  for (const args of [['run'], ['merge'], ['diff'], ['validate'], ['coverage'], ['spec-index'], ['import'], ['mptcp', 'decode']]) {
    for (const flag of ['--help', '-h']) {
      it(`${args.join(' ')} ${flag} prints the usage and exits 0`, () => {
        const r = cli([...args, flag]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /Usage:?\s/);
        assert.match(r.stdout, new RegExp(`conformatrix ${args[0]}`));
        assert.equal(r.stderr, '');
      });
    }
  }

  it('--suite with a typo names the known suites', () => {
    usageError(cli(['run', '--suite', 'cookie', '--list']), /^conformatrix: unknown suite "cookie" \(known: cookies, mptcp, mptcp-interop\)\n$/);
  });

  it('a missing --target-dir names the folder', () => {
    usageError(
      cli(['run', '--vectors', VECTORS, '--target-dir', '/nonexistent/conformatrix-targets', '--list']),
      /^\/nonexistent\/conformatrix-targets: no such folder \(--target-dir\)\n/,
    );
  });

  it('an invalid --grep regular expression', () => {
    usageError(cli(['run', '--vectors', VECTORS, '--target', 'reference', '--grep', '(', '--list']), /^conformatrix: --grep "\(": Invalid regular expression/);
  });

  it('an unknown --reporter, before any vector runs', () => {
    const r = cli(['run', '--vectors', VECTORS, '--target', 'reference', '--reporter', 'bogus', '--out', tempDir()]);
    usageError(r, /^conformatrix: --reporter "bogus": no such mocha reporter \(the default is progress-lines; mocha's built in: [^)]*spec[^)]*\)\n$/);
    assert.equal(r.stdout, '', 'nothing ran');
  });

  it('--timeout above what Node timers take (2^31-1 ms)', () => {
    usageError(
      cli(['run', '--vectors', VECTORS, '--timeout', String(2 ** 31), '--list']),
      /--timeout takes a whole number from 1 to 2147483647, not "2147483648"/,
    );
  });

  it('diff of a file that is not a results.json', () => {
    usageError(cli(['diff', 'package.json', 'package.json']), /^conformatrix: package\.json: not a conformatrix results\.json: /);
    const notJson = join(tempDir(), 'results.json');
    writeFileSync(notJson, 'not json');
    usageError(cli(['diff', notJson, notJson]), /results\.json: not a conformatrix results\.json: Unexpected token/);
  });

  it('--out that cannot be written, before any vector runs', () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, '');
    const r = cli(['run', '--vectors', VECTORS, '--target', 'reference', '--out', join(file, 'reports')]);
    usageError(r, /^conformatrix: --out .*a-file\/reports: cannot write reports there \(ENOTDIR/);
    assert.doesNotMatch(r.stdout, /passing|cookies\/cli/, 'no vector ran');
  });

  it('--out under /proc: a clear error, not a loop', () => {
    // SIGKILL on time out: a process spinning in a synchronous loop never runs its SIGTERM handler.
    const p = spawnSync(process.execPath, [CLI, 'run', '--vectors', VECTORS, '--target', 'reference', '--out', '/proc/conformatrix-test/reports'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 90_000,
      killSignal: 'SIGKILL',
    });
    assert.equal(p.signal, null, 'the run ended by itself');
    usageError(
      { status: p.status, stdout: p.stdout, stderr: p.stderr },
      /^conformatrix: --out \/proc\/conformatrix-test\/reports: cannot write reports there \(ENOENT/,
    );
  });

  describe('vector files', () => {
    it(`nested deeper than ${MAX_JSON_DEPTH} (100k arrays): file, line and column`, () => {
      const file = join(tempDir(), 'deep.json');
      writeFileSync(file, `{"vectors":\n${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
      for (const command of [
        ['validate', file],
        ['run', '--vectors', file, '--list'],
      ]) {
        usageError(cli(command), new RegExp(`deep\\.json:2:${MAX_JSON_DEPTH}: arrays and objects nested more than ${MAX_JSON_DEPTH} deep`));
      }
    });

    it('invalid UTF-8 is refused with its byte offset and line', () => {
      const text = readFileSync(VECTORS, 'utf8');
      const at = text.indexOf('a vector the reference passes');
      const bytes = Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xc3, 0x28]), Buffer.from(text.slice(at))]);
      const file = join(tempDir(), 'latin.json');
      writeFileSync(file, bytes);
      const line = text.slice(0, at).split('\n').length;
      usageError(
        cli(['validate', file]),
        new RegExp(`latin\\.json:${line}: invalid UTF-8 at byte offset ${Buffer.byteLength(text.slice(0, at))} \\(byte 0xc3\\)`),
      );
    });

    it(`larger than ${MAX_FILE_BYTES} bytes`, () => {
      const file = join(tempDir(), 'huge.json');
      writeFileSync(file, Buffer.alloc(MAX_FILE_BYTES + 1, 0x20));
      usageError(cli(['validate', file]), new RegExp(`huge\\.json: ${MAX_FILE_BYTES + 1} bytes: larger than the limit of ${MAX_FILE_BYTES} bytes`));
    });

    it(`more than ${MAX_VECTORS_PER_FILE} vectors in a file, or ${MAX_VECTORS_PER_RUN} in a run`, () => {
      usageError(
        cli(['validate', manyVectors(MAX_VECTORS_PER_FILE + 1)]),
        new RegExp(`many\\.json:1:\\d+ at /vectors: ${MAX_VECTORS_PER_FILE + 1} vectors: more than the limit of ${MAX_VECTORS_PER_FILE} per file`),
      );
      const dir = tempDir();
      const files = Math.floor(MAX_VECTORS_PER_RUN / MAX_VECTORS_PER_FILE) + 1;
      for (let i = 0; i < files; i++) {
        const src = manyVectors(MAX_VECTORS_PER_FILE, `part${i}`);
        writeFileSync(join(dir, `part${i}.json`), readFileSync(src));
      }
      usageError(
        cli(['validate', dir]),
        new RegExp(
          `part${files - 1}\\.json:1:\\d+ at /vectors: with this file's ${MAX_VECTORS_PER_FILE} vectors the run would have more than the limit of ${MAX_VECTORS_PER_RUN}`,
        ),
      );
    });
  });

  describe("validate checks a user's own target manifests and expectations files", () => {
    const dir = tempDir();
    const manifest = (name: string, m: unknown) => {
      mkdirSync(join(dir, name), { recursive: true });
      writeFileSync(join(dir, name, 'target.json'), JSON.stringify(m, null, 2) + '\n');
      return join(dir, name, 'target.json');
    };

    it('accepts a valid manifest and a valid expectations file', () => {
      const m = manifest('mylib', { name: 'mylib', suites: ['cookies'], capabilities: ['clock'], local: { command: ['node', 'adapter.mjs'] } });
      const e = join(dir, 'mylib.expectations.json');
      writeFileSync(e, JSON.stringify({ target: 'mylib', failures: { 'cookies/cli/x': { reason: 'known' } } }));
      const r = cli(['validate', m, e]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /targets: 1 manifests valid\nexpectations: 1 of 1 files valid/);
    });

    it('reports a bad manifest and a bad expectations file with file, line, column and pointer', () => {
      const m = manifest('typo', { name: 'typo', suites: ['cookie'], capabilities: ['clock'], local: { command: ['node', 'adapter.mjs'], env: { X: 1 } } });
      const e = join(dir, 'typo.expectations.json');
      writeFileSync(e, '{\n  "target": "typo",\n  "failures": { "cookies/cli/x": { "why": "no reason" } }\n}\n');
      const r = cli(['validate', m, e]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /typo\/target\.json:\d+:\d+ at \/local\/env\/X: must be string/);
      assert.match(r.stderr, /typo\.expectations\.json:3:\d+ at \/failures\/cookies~1cli~1x: /);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      // Past the schema: the suite and capability names.
      const n = manifest('names', {
        name: 'names',
        suites: ['cookie', 'mptcp'],
        capabilities: ['clock', 'mptcp-v1'],
        local: { command: ['node', 'adapter.mjs'] },
      });
      const r2 = cli(['validate', n]);
      assert.equal(r2.status, 2);
      assert.match(r2.stderr, /names\/target\.json:4:5 at \/suites\/0: unknown suite "cookie"/);
      assert.match(
        r2.stderr,
        /names\/target\.json:8:5 at \/capabilities\/0: unknown capability "clock" for suites mptcp \(known: mptcp-v1, sysctls, sut-announce\)/,
      );
    });
  });
});

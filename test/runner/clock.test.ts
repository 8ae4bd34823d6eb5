// The runner's libfaketime clock (runner/clock.ts): the environment it gives an adapter, and a real process that reads the time set.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { faketimeSpec, findLibfaketime, localClockEnv, REAL_CLOCK, setFaketime } from '../../runner/clock.js';

describe('runner: a clock through libfaketime', () => {
  it('writes the absolute UTC times libfaketime reads, to the millisecond, and +0 for the real clock', () => {
    assert.equal(faketimeSpec(Date.parse('1994-11-06T08:49:37.250Z')), '1994-11-06 08:49:37.250');
    assert.equal(faketimeSpec(Date.parse('2070-01-01T00:00:00Z')), '2070-01-01 00:00:00.000');
    assert.equal(faketimeSpec(undefined), '+0');
    assert.equal(REAL_CLOCK, '+0');
  });

  it('gives each start of an adapter a clock file of its own, at the real clock', () => {
    const make = localClockEnv('/nonexistent/libfaketime.so.1');
    const [a, b] = [make(), make()];
    assert.notEqual(a.FAKETIME_TIMESTAMP_FILE, b.FAKETIME_TIMESTAMP_FILE);
    assert.equal(readFileSync(a.FAKETIME_TIMESTAMP_FILE!, 'utf8'), '+0');
    assert.equal(a.LD_PRELOAD, '/nonexistent/libfaketime.so.1');
    assert.equal(a.FAKETIME_NO_CACHE, '1');
  });

  it('moves the clock of a process started with that environment, at once, back and forth', function () {
    const library = findLibfaketime();
    if (!library) {
      process.stdout.write('      skipped: libfaketime not found (apt-get install faketime)\n');
      this.skip();
    }
    const env = { ...process.env, ...localClockEnv(library!)() };
    const date = () => Number(execFileSync('date', ['-u', '+%s'], { env, encoding: 'utf8' }).trim());
    const real = Math.floor(Date.now() / 1000);
    assert.ok(Math.abs(date() - real) < 60, 'a new clock file is the real clock');
    setFaketime(Date.parse('1994-11-06T08:49:37Z'), env.FAKETIME_TIMESTAMP_FILE);
    assert.equal(date(), Date.parse('1994-11-06T08:49:37Z') / 1000);
    setFaketime(Date.parse('2069-12-31T23:59:00Z'), env.FAKETIME_TIMESTAMP_FILE);
    assert.equal(date(), Date.parse('2069-12-31T23:59:00Z') / 1000);
    setFaketime(undefined, env.FAKETIME_TIMESTAMP_FILE);
    assert.ok(Math.abs(date() - real) < 60);
  });

  // A long-lived client (a JVM, PHP, Python with libsoup) keeps one process across vectors: after a vector with a
  // fixed time its clock must come back. libfaketime 0.9.10 keeps the last time it read when the file becomes
  // empty, which is why the real clock is written as +0; and a process that once found no file exits on an empty one.
  it('brings a long-lived process back to the real clock after a fixed time, and survives a missing file', async function () {
    const library = findLibfaketime();
    if (!library) {
      process.stdout.write('      skipped: libfaketime not found (apt-get install faketime)\n');
      this.skip();
    }
    const env = { ...process.env, ...localClockEnv(library!)() };
    const file = env.FAKETIME_TIMESTAMP_FILE!;
    // One process for the whole test; each line in asks for its wall clock.
    const child = spawn(process.execPath, ['-e', "require('readline').createInterface({input: process.stdin}).on('line', () => console.log(Date.now()))"], {
      env,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const now = async () => {
      child.stdin!.write('?\n');
      const next = await lines.next();
      assert.ok(!next.done, 'the process exited');
      return Number(next.value);
    };
    try {
      assert.ok(Math.abs((await now()) - Date.now()) < 60_000, 'starts at the real clock');
      setFaketime(Date.parse('1994-11-06T08:49:37Z'), file);
      assert.equal(await now(), Date.parse('1994-11-06T08:49:37Z'));
      setFaketime(undefined, file);
      assert.ok(Math.abs((await now()) - Date.now()) < 60_000, 'back at the real clock after a fixed time');
      rmSync(file);
      assert.ok(Math.abs((await now()) - Date.now()) < 60_000, 'a missing file is the real clock');
      setFaketime(undefined, file);
      assert.ok(Math.abs((await now()) - Date.now()) < 60_000, 'and the file written again after it too');
    } finally {
      child.kill();
    }
  });
});

// The runner's libfaketime clock (runner/clock.ts): the environment it gives an adapter, and a real process that reads the time set.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { faketimeSpec, findLibfaketime, localClockEnv, setFaketime } from '../../runner/clock.js';

describe('runner: a clock through libfaketime', () => {
  it('writes the absolute UTC times libfaketime reads, to the millisecond, and nothing for the real clock', () => {
    assert.equal(faketimeSpec(Date.parse('1994-11-06T08:49:37.250Z')), '1994-11-06 08:49:37.250');
    assert.equal(faketimeSpec(Date.parse('2070-01-01T00:00:00Z')), '2070-01-01 00:00:00.000');
    assert.equal(faketimeSpec(undefined), '');
  });

  it('gives each start of an adapter a clock file of its own, empty (the real clock)', () => {
    const make = localClockEnv('/nonexistent/libfaketime.so.1');
    const [a, b] = [make(), make()];
    assert.notEqual(a.FAKETIME_TIMESTAMP_FILE, b.FAKETIME_TIMESTAMP_FILE);
    assert.equal(readFileSync(a.FAKETIME_TIMESTAMP_FILE!, 'utf8'), '');
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
    assert.ok(Math.abs(date() - real) < 60, 'an empty clock file is the real clock');
    setFaketime(Date.parse('1994-11-06T08:49:37Z'), env.FAKETIME_TIMESTAMP_FILE);
    assert.equal(date(), Date.parse('1994-11-06T08:49:37Z') / 1000);
    setFaketime(Date.parse('2069-12-31T23:59:00Z'), env.FAKETIME_TIMESTAMP_FILE);
    assert.equal(date(), Date.parse('2069-12-31T23:59:00Z') / 1000);
    setFaketime(undefined, env.FAKETIME_TIMESTAMP_FILE);
    assert.ok(Math.abs(date() - real) < 60);
  });
});

// Every target folder has a manifest and a conventional Dockerfile that installs what the manifest says it needs.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { discoverTargets } from '../../runner/targets.js';

describe('target folders', () => {
  for (const target of discoverTargets()) {
    it(`${target.id}: a Dockerfile from debian:bookworm-slim that installs its Debian packages`, () => {
      const file = join(target.dir, 'Dockerfile');
      assert.ok(existsSync(file), `${target.id} has no Dockerfile`);
      const text = readFileSync(file, 'utf8');
      assert.match(text, /^FROM debian:bookworm-slim\b/m);
      // Build containers carry this label, so that an interrupted build's leftovers can be found.
      assert.match(text, /^LABEL org\.conformatrix\.build=1$/m);
      const installs = [...text.matchAll(/apt-get install[^\n\\]*(?:\\\n[^\n\\]*)*/g)].map((m) => m[0]).join(' ');
      for (const pkg of target.manifest.packages?.debian ?? [])
        assert.match(installs, new RegExp(`(^|\\s)${pkg.replace(/[.+]/g, '\\$&')}(\\s|$)`), `${target.id}'s Dockerfile does not install ${pkg}`);
      if (target.manifest.docker?.node) assert.match(text, /COPY \.conformatrix\/node /, `${target.id} stages node but does not copy it`);
      // The runner preloads libfaketime from Debian's faketime package, locally and in the image (runner/clock.ts).
      if (target.manifest.clock?.via === 'libfaketime')
        assert.ok(target.manifest.packages?.debian?.includes('faketime'), `${target.id}'s clock is libfaketime, but its packages lack faketime`);
    });
  }
});

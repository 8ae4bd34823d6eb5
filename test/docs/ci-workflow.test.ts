// The GitHub Actions workflow in docs/ci.md, run here as GitHub would run its
// scripts: each shard job's run step with its matrix value, the artifact
// hand-off (upload, then download into shards/<name>), the merge, the job
// summary and the gate. Only SELECT is made smaller, so that the test is quick.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CLI, readRun, ROOT, tempDir } from '../helpers.js';

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Job {
  'runs-on'?: string;
  container?: { image: string; options?: string };
  needs?: string;
  if?: string;
  strategy?: { matrix: { shard: number[] } };
  steps: Step[];
}
interface Workflow {
  permissions?: Record<string, string>;
  env: Record<string, string | number>;
  jobs: Record<string, Job>;
}

function workflow(): Workflow {
  const md = readFileSync(join(ROOT, 'docs', 'ci.md'), 'utf8');
  // The workflow by hand (the action's workflows come first): the one with the shard jobs.
  const block = [...md.matchAll(/```yaml\n([\s\S]*?)```/g)].find((m) => /^ {2}shard:$/m.test(m[1]!));
  assert.ok(block, 'docs/ci.md has the yaml block of the workflow by hand');
  return parse(block[1]!) as Workflow;
}

/** Runs a step's script with bash -e, as GitHub does, with ${{ }} expressions filled in. */
function runStep(step: Step, cwd: string, env: Record<string, string>, exprs: Record<string, string>): { status: number | null; stderr: string } {
  const script = step.run!.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, e: string) => {
    if (!(e in exprs)) throw new Error(`the test does not know the expression ${e}`);
    return exprs[e]!;
  });
  const r = spawnSync('bash', ['-e', '-c', script], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, stderr: r.stderr };
}

describe('docs/ci.md: the GitHub Actions workflow', function () {
  this.timeout(300_000);

  it('has a shard matrix, a merge job after it, the matrix in the job summary and the HTML as an artifact', () => {
    const w = workflow();
    const shard = w.jobs.shard!;
    const merge = w.jobs.merge!;
    assert.deepEqual(
      shard.strategy!.matrix.shard,
      Array.from({ length: Number(w.env.SHARDS) }, (_, i) => i + 1),
      'the shard list matches SHARDS',
    );
    assert.equal(merge.needs, 'shard');
    assert.equal(merge.if, 'always()', 'the merge runs when a shard has unexpected results too');
    const uploads = (j: Job) => j.steps.filter((s) => s.uses?.startsWith('actions/upload-artifact@'));
    assert.match(String(uploads(shard)[0]!.with!.name), /shard-\$\{\{ matrix.shard \}\}/);
    assert.match(String(uploads(merge)[0]!.with!.path), /merged\/matrix\.html/);
    assert.ok(merge.steps.some((s) => s.run?.includes('$GITHUB_STEP_SUMMARY') && s.run.includes('matrix.md')));
    assert.equal(merge.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))!.with!.pattern, 'shard-*');
  });

  it('runs the cookie jobs with no privilege, on current majors of the actions and the LTS line of Node.js', () => {
    const w = workflow();
    assert.match(String(w.env.SELECT), /^--suite cookies\b/, 'the shards run the cookie suite');
    assert.deepEqual(w.permissions, { contents: 'read' }, 'the token may read the repository, nothing more');
    for (const name of ['shard', 'merge']) {
      const job = w.jobs[name]!;
      assert.doesNotMatch(job.container?.options ?? '', /--privileged|--cap-add|--device|--security-opt/, `${name}: an unprivileged container`);
      for (const step of job.steps) assert.doesNotMatch(step.run ?? '', /\bsudo\b/, `${name}: no sudo in ${step.name ?? step.run}`);
    }
    // The major versions current in December 2026 (checked against the actions' releases), or later.
    const current: Record<string, number> = { 'actions/checkout': 6, 'actions/setup-node': 6, 'actions/upload-artifact': 7, 'actions/download-artifact': 8 };
    const uses = Object.values(w.jobs).flatMap((j) => j.steps.filter((s) => s.uses).map((s) => s.uses!));
    assert.ok(uses.length >= 8);
    for (const u of uses) {
      const [action, ref] = u.split('@') as [string, string];
      assert.ok(action in current, `an action the test knows: ${action}`);
      assert.ok(Number(/^v(\d+)$/.exec(ref)?.[1]) >= current[action]!, `${u}: at least v${current[action]}`);
    }
    for (const step of Object.values(w.jobs).flatMap((j) => j.steps.filter((s) => s.uses?.startsWith('actions/setup-node@')))) {
      const v = String(step.with!['node-version']);
      assert.ok(v === 'lts/*' || Number(v) >= 24, `node-version ${v}: a maintained LTS line`);
    }
  });

  it('runs as written: three shards, merged, summarised and gated', () => {
    const w = workflow();
    const work = tempDir();
    // npx conformatrix, as a clone's npm ci would provide it.
    const bin = join(work, '.bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'npx'), `#!/bin/sh\n[ "$1" = conformatrix ] || exit 127\nshift\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(join(bin, 'npx'), 0o755);
    const outputs = join(work, 'github-output');
    const summary = join(work, 'step-summary');
    const env = {
      PATH: `${bin}:${process.env.PATH}`,
      SELECT: '--suite cookies --target reference --target tough-cookie',
      SHARDS: String(w.env.SHARDS),
      GITHUB_OUTPUT: outputs,
      GITHUB_STEP_SUMMARY: summary,
    };
    const shardRun = w.jobs.shard!.steps.find((s) => s.run?.includes('conformatrix run'))!;
    mkdirSync(join(work, 'shards'));
    for (const n of w.jobs.shard!.strategy!.matrix.shard) {
      const r = runStep(shardRun, work, env, { 'matrix.shard': String(n), 'env.SHARDS': String(w.env.SHARDS) });
      assert.equal(r.status, 0, `shard ${n}: ${r.stderr}`);
      // upload-artifact (name shard-N, path shard-N), then download-artifact (pattern shard-*, path shards).
      cpSync(join(work, `shard-${n}`), join(work, 'shards', `shard-${n}`), { recursive: true });
    }
    for (const step of w.jobs.merge!.steps.filter((s) => s.run && s.run !== 'npm ci')) {
      const code = /code=(\d+)/.exec(existsSync(outputs) ? readFileSync(outputs, 'utf8') : '')?.[1];
      if (step.if === "steps.merge.outputs.code != '0'") {
        // tough-cookie fails some vectors and SELECT gates on no expectations: the gate fails the job.
        assert.equal(code, '1');
        assert.notEqual(runStep(step, work, env, {}).status, 0, 'the gate step fails the job');
        continue;
      }
      const r = runStep(step, work, env, {});
      assert.equal(r.status, 0, `${step.name ?? step.run}: ${r.stderr}`);
    }
    const merged = readRun(join(work, 'merged'));
    assert.equal(merged.run.mergedFrom?.length, 3);
    assert.ok(merged.results.length > 400);
    assert.equal(readFileSync(summary, 'utf8'), readFileSync(join(work, 'merged', 'matrix.md'), 'utf8'));
    for (const f of ['matrix.md', 'matrix.html', 'results.json', 'junit.xml']) assert.ok(existsSync(join(work, 'merged', f)), f);
  });
});

// The GitHub Action (action.yml): validated with action-validator, as is every workflow docs/ci.md shows; and its
// script steps run here as a runner runs them (bash -eo pipefail, the step's env with the ${{ }} expressions filled
// in, a fresh $GITHUB_OUTPUT per step, $GITHUB_STEP_SUMMARY), on a real small run. The steps that `uses` another
// action (actions/setup-node, actions/upload-artifact) are not run: the test checks what they are given.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateAction, validateWorkflow, type ValidationError } from '@action-validator/core';
import { parse } from 'yaml';
import { vectorsVersion } from '../../runner/vectors-version.js';
import { FIXTURES, readRun, ROOT, tempDir } from '../helpers.js';

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  shell?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface Action {
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

const ACTION_FILE = join(ROOT, 'action.yml');
const action = () => parse(readFileSync(ACTION_FILE, 'utf8')) as Action;

/** Every error of a validation, nested ones (oneOf branches) included, one line each. */
function describe_(errors: ValidationError[], depth = 0): string[] {
  return errors.flatMap((e) => [
    `${'  '.repeat(depth)}${'path' in e ? e.path : ''} ${e.title}${e.detail ? `: ${e.detail}` : ''}`,
    ...('states' in e && e.states ? e.states.flatMap((s) => describe_(s.errors, depth + 1)) : []),
  ]);
}

/** The workflows the documentation shows (README.md, docs/): its yaml blocks that have jobs. */
function docWorkflows(): string[] {
  const pages = [join(ROOT, 'README.md'), ...readdirSync(join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' }).map((f) => join(ROOT, 'docs', f))];
  return pages
    .filter((f) => f.endsWith('.md'))
    .flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((m) => m[1]!))
    .filter((y) => /^jobs:/m.test(y));
}

/** Fills in the expressions the action uses; any other is an error of the test, not a silent empty string. */
function expand(text: string, ctx: { inputs: Record<string, string>; steps: Record<string, Record<string, string>> }): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, e: string) => {
    if (e === 'github.action_path') return ROOT;
    let m = /^inputs\.([a-z-]+)$/.exec(e);
    if (m) {
      if (!(m[1]! in ctx.inputs)) throw new Error(`action.yml reads an input it does not declare: ${m[1]}`);
      return ctx.inputs[m[1]!]!;
    }
    m = /^steps\.([a-z-]+)\.outputs\.([a-z-]+)$/.exec(e);
    if (m) return ctx.steps[m[1]!]?.[m[2]!] ?? '';
    throw new Error(`the test does not know the expression ${e}`);
  });
}

/** $GITHUB_OUTPUT's `key=value` lines (the action writes no multi-line value). */
function readOutputs(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const at = line.indexOf('=');
    assert.ok(at > 0 && !line.includes('<<'), `a key=value line: ${line}`);
    out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

interface Ran {
  /** Each run step's exit code, by id. */
  status: Record<string, number | null>;
  logs: string;
  steps: Record<string, Record<string, string>>;
  outputs: Record<string, string>;
  summary: string;
  uploads: Record<string, string>[];
  workspace: string;
}

/** Runs the action's steps in a fresh workspace, as a runner would, with these inputs (the rest take their defaults). */
function runAction(given: Record<string, string>): Ran {
  const a = action();
  const inputs = Object.fromEntries(Object.entries(a.inputs).map(([k, v]) => [k, v.default ?? '']));
  for (const k of Object.keys(given)) assert.ok(k in inputs, `action.yml has an input ${k}`);
  Object.assign(inputs, given);
  const workspace = tempDir('conformatrix-action-');
  const summary = join(workspace, '..', `${workspace.split('/').pop()}-summary.md`);
  writeFileSync(summary, '');
  const ran: Ran = { status: {}, logs: '', steps: {}, outputs: {}, summary: '', uploads: [], workspace };
  for (const step of a.runs.steps) {
    if (step.uses) {
      if (step.uses.startsWith('actions/upload-artifact@'))
        ran.uploads.push(Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, expand(String(v), { inputs, steps: ran.steps })])));
      continue;
    }
    const output = join(workspace, '..', `${workspace.split('/').pop()}-output-${Object.keys(ran.status).length}`);
    writeFileSync(output, '');
    const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(String(v), { inputs, steps: ran.steps })]));
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], {
      cwd: workspace,
      env: { ...process.env, ...env, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, GITHUB_WORKSPACE: workspace },
      encoding: 'utf8',
      timeout: 300_000,
    });
    ran.status[step.id!] = r.status;
    ran.logs += `--- ${step.name}\n${r.stdout}${r.stderr}`;
    if (step.id) ran.steps[step.id] = readOutputs(output);
  }
  ran.outputs = Object.fromEntries(Object.entries(a.outputs).map(([k, o]) => [k, expand(o.value, { inputs, steps: ran.steps })]));
  ran.summary = readFileSync(summary, 'utf8');
  return ran;
}

describe('the GitHub Action (action.yml)', function () {
  this.timeout(600_000);

  it('validates, and so does every workflow in the documentation (docs/ci.md)', () => {
    const errors = validateAction(readFileSync(ACTION_FILE, 'utf8')).errors;
    assert.deepEqual(describe_(errors), [], 'action.yml');
    const workflows = docWorkflows();
    assert.ok(workflows.length >= 3, `docs/ci.md shows the action's workflows and the manual one (${workflows.length} found)`);
    workflows.forEach((w, i) => assert.deepEqual(describe_(validateWorkflow(w).errors), [], `documented workflow ${i + 1}:\n${w.slice(0, 300)}`));
    // The validator does catch what GitHub refuses: a composite step without a shell, a job without runs-on.
    assert.notDeepEqual(validateAction(readFileSync(ACTION_FILE, 'utf8').replace(/\n\s+shell: bash/, '')).errors, []);
    assert.notDeepEqual(validateWorkflow(workflows[0]!.replace(/runs-on: .*/g, '')).errors, []);
  });

  it('has the inputs of issue 19, and its run steps only call its scripts, with the inputs in the environment', () => {
    const a = action();
    for (const input of ['suites', 'targets', 'target-dirs', 'expectations', 'shard', 'shard-count', 'retries', 'driver', 'out'])
      assert.ok(a.inputs[input], `input ${input}`);
    for (const output of ['exit-code', 'unexpected', 'pass', 'pass-counts', 'vectors-version']) assert.ok(a.outputs[output], `output ${output}`);
    assert.equal(a.runs.using, 'composite');
    for (const step of a.runs.steps.filter((s) => s.run)) {
      // An input in the script's text would be pasted into the shell: a value with quotes would run as code.
      assert.doesNotMatch(step.run!, /\$\{\{/, `${step.name}: no expression in the script`);
      const m = /^bash "\$ACTION_PATH\/(\.github\/action\/[a-z]+\.sh)"$/.exec(step.run!.trim());
      assert.ok(m && existsSync(join(ROOT, m[1]!)), `${step.name}: runs a script of .github/action/`);
    }
    const upload = a.runs.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    assert.match(upload.if!, /always\(\)/, 'the reports are uploaded when the run has unexpected results too');
  });

  it('runs the cookie suite on the reference target: outputs, job summary, artifact, a green gate', () => {
    const ran = runAction({ suites: 'cookies', targets: 'reference', args: '--grep cookies/parse/ --reporter dot', 'node-version': '' });
    assert.deepEqual(ran.status, { setup: 0, run: 0, gate: 0 }, ran.logs);
    const out = join(ran.workspace, 'conformatrix-reports');
    const run = readRun(out);
    const passes = run.results.filter((r) => r.verdict === 'pass').length;
    assert.ok(passes > 50, `${passes} passes`);
    assert.equal(ran.outputs['exit-code'], '0');
    assert.equal(ran.outputs.unexpected, '0');
    assert.equal(ran.outputs.pass, String(passes));
    assert.equal(ran.outputs.applicable, String(run.results.filter((r) => r.verdict !== 'skipped').length));
    assert.equal(ran.outputs.fail, '0');
    assert.deepEqual(JSON.parse(ran.outputs['pass-counts']!), { reference: `${passes}/${ran.outputs.applicable}` });
    assert.equal(ran.outputs['vectors-version'], vectorsVersion());
    assert.equal(ran.outputs.out, 'conformatrix-reports');
    assert.equal(ran.summary, readFileSync(join(out, 'matrix.md'), 'utf8'), 'the job summary is matrix.md');
    assert.deepEqual(ran.uploads, [{ name: 'conformatrix', path: 'conformatrix-reports', 'if-no-files-found': 'warn' }]);
  });

  it('reports unexpected results of a target of the user’s own, and the gate fails the job on them', () => {
    const ran = runAction({
      suites: 'cookies',
      targets: 'faulty',
      'target-dirs': join(FIXTURES, 'targets'),
      args: `--vectors ${join(FIXTURES, 'vectors', 'retries.json')} --reporter dot`,
      retries: '1',
      shard: '1',
      'shard-count': '1',
      'node-version': '',
    });
    assert.equal(ran.status.run, 0, `the run step itself succeeds, so that the upload runs\n${ran.logs}`);
    assert.equal(ran.status.gate, 1, ran.logs);
    assert.match(ran.logs, /::error title=conformatrix::unexpected results/);
    assert.equal(ran.outputs['exit-code'], '1');
    assert.deepEqual(
      ['pass', 'flaky', 'fail', 'unexpected'].map((k) => ran.outputs[k]),
      ['1', '1', '1', '1'],
      'ok passes, flaky passes on its retry, wrong fails: one unexpected',
    );
    assert.equal(ran.outputs['vectors-version'], '', 'vectors of its own: no version of the bundled set');
    assert.equal(ran.outputs['artifact-name'], 'conformatrix-shard-1');
    assert.deepEqual(readRun(join(ran.workspace, 'conformatrix-reports')).run.shard, { index: 1, count: 1 });
    assert.match(ran.summary, /^# Conformance matrix/);
  });

  it('fails closed on a usage error, and lets a shard with unexpected results pass when fail-on-unexpected is false', () => {
    const ran = runAction({ suites: 'cookies', targets: 'reference', driver: 'nonsense', 'node-version': '' });
    assert.equal(ran.outputs['exit-code'], '2');
    assert.equal(ran.status.gate, 2, ran.logs);
    assert.match(ran.logs, /--driver takes local, docker or auto/);
    const gate = (env: Record<string, string>) =>
      spawnSync('bash', [join(ROOT, '.github', 'action', 'gate.sh')], { env: { ...process.env, ...env }, encoding: 'utf8' }).status;
    assert.equal(gate({ EXIT_CODE: '1', INPUT_FAIL_ON_UNEXPECTED: 'false' }), 0);
    assert.equal(gate({ EXIT_CODE: '2', INPUT_FAIL_ON_UNEXPECTED: 'false' }), 2);
    assert.equal(gate({ EXIT_CODE: '', INPUT_FAIL_ON_UNEXPECTED: 'true' }), 2, 'no exit code: the run step did not run');
  });
});

/**
 * The fuzzer's reports: fuzz.json (the record), fuzz.md and fuzz.html (for
 * people), each written atomically. Clusters are ordered by size; each has
 * its minimised input, its partition with the reference marked, and a ready
 * vector in the suite's format expecting the reference's outcome, flagged
 * `generated`, for a person to cite and add (nothing is added to vectors/).
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../fsutil.js';
import { markdownTable } from '../reports/text.js';
import type { FuzzOutcome, Stop, UncutReason } from './engine.js';
import type { FuzzSuite } from './interface.js';
import { partitionOf } from './partition.js';

export interface FuzzReport {
  format: 'conformatrix-fuzz';
  formatVersion: 1;
  suite: string;
  seed: number;
  budget?: number;
  timeS?: number;
  /** The command that ran this fuzzing. */
  command: string;
  /**
   * A command that repeats it exactly, the targets' answers being the same:
   * for a run bounded by time, its scenarios as a budget and its rounds of
   * minimising as --minimise-rounds.
   */
  repeat: string;
  /** Why fuzzing stopped, and minimising: its rounds and why it stopped (absent when it did not start). */
  phases: { fuzz: { stop: Stop; seconds: number }; minimise?: { stop: Stop | 'done'; rounds: number; seconds: number } };
  startedAt: string;
  finishedAt: string;
  targets: string[];
  reference: string;
  unavailable: { id: string; reason: string }[];
  scenarios: number;
  disagreements: number;
  throughput: {
    fuzzSeconds: number;
    minimiseSeconds: number;
    scenariosPerSecond: number;
    /** Per target: runs, seconds its adapter spent answering, and that as a share of the fuzzing's wall-clock time. */
    perTarget: { target: string; runs: number; adapterSeconds: number; share: number }[];
  };
  clusters: {
    id: string;
    size: number;
    /** The first few scenario indexes in the cluster. */
    members: number[];
    features: string[];
    partition: { targets: string[]; reference: boolean; observation: string }[];
    excluded: string[];
    original: { text: string; size: number; scenario: unknown };
    minimised: { text: string; size: number; scenario: unknown; steps: number; complete: boolean };
    /** Keyed on one cause (a minimised input, run again on every target) rather than on a whole generated scenario. */
    decomposed: boolean;
    /** Why a cluster kept whole was not cut down. */
    uncut?: UncutReason;
    /** A vector in the suite's format, or why there is none. */
    vector: unknown;
  }[];
}

export function buildReport<S>(
  fs: FuzzSuite<S>,
  outcome: FuzzOutcome<S>,
  info: {
    seed: number;
    budget?: number;
    timeS?: number;
    command: string;
    /** The repeat command, given the scenarios and minimising rounds this outcome has. */
    repeat: (scenarios: number, minimise: FuzzOutcome<S>['minimise']) => string;
    startedAt: Date;
    targets: string[];
    unavailable: { id: string; reason: string }[];
  },
): FuzzReport {
  const wallMs = (outcome.fuzzSeconds + outcome.minimiseSeconds) * 1000;
  return {
    format: 'conformatrix-fuzz',
    formatVersion: 1,
    suite: fs.suite.name,
    seed: info.seed,
    ...(info.budget !== undefined ? { budget: info.budget } : {}),
    ...(info.timeS !== undefined ? { timeS: info.timeS } : {}),
    command: info.command,
    repeat: info.repeat(outcome.scenarios, outcome.minimise),
    phases: {
      fuzz: { stop: outcome.fuzzStop, seconds: round(outcome.fuzzSeconds) },
      ...(outcome.minimise ? { minimise: { ...outcome.minimise, seconds: round(outcome.minimiseSeconds) } } : {}),
    },
    startedAt: info.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    targets: info.targets,
    reference: fs.reference,
    unavailable: info.unavailable,
    scenarios: outcome.scenarios,
    disagreements: outcome.disagreements,
    throughput: {
      fuzzSeconds: round(outcome.fuzzSeconds),
      minimiseSeconds: round(outcome.minimiseSeconds),
      scenariosPerSecond: round(outcome.scenarios / Math.max(outcome.fuzzSeconds, 1e-3)),
      perTarget: info.targets.map((t) => ({
        target: t,
        runs: outcome.runs.get(t) ?? 0,
        adapterSeconds: round((outcome.adapterMs.get(t) ?? 0) / 1000),
        share: round((outcome.adapterMs.get(t) ?? 0) / Math.max(wallMs, 1)),
      })),
    },
    clusters: outcome.clusters.map((c, i) => {
      const reference = c.results.get(fs.reference);
      const id = `c${i + 1}`;
      // The same grouping as the cluster's, with what each group sent on the minimised input.
      const shown = partitionOf(new Map([...c.results].map(([t, r]) => [t, fs.observe(r)])));
      return {
        id,
        size: c.members.length,
        members: c.members.slice(0, 20),
        features: c.features,
        partition: shown.groups.map((g) => ({ targets: g.targets, reference: g.targets.includes(fs.reference), observation: g.observation })),
        excluded: c.partition.excluded,
        original: { text: fs.show(c.original), size: fs.size(c.original), scenario: c.original },
        minimised: { text: fs.show(c.minimised), size: fs.size(c.minimised), scenario: c.minimised, steps: c.steps, complete: c.minimisedFully },
        decomposed: c.decomposed,
        ...(c.uncut ? { uncut: c.uncut } : {}),
        vector: reference
          ? fs.propose(c.minimised, reference, `${fs.suite.name}/generated/seed${info.seed}-${id}`)
          : { none: `the reference (${fs.reference}) did not run this scenario` },
      };
    }),
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** How the shown input came about: cut down to one cause, or the whole scenario (a cluster not decomposed). */
function minimisedLine(c: FuzzReport['clusters'][number]): string {
  if (!c.decomposed) return `Not cut down (${c.uncut ?? 'minimising had not started'}): the whole scenario, ${c.original.size} in size`;
  return `Minimised (${c.minimised.size} from ${c.original.size}, ${c.minimised.steps} steps${c.minimised.complete ? '' : ', not to the end'})`;
}

/** What each phase did and why it stopped, for people. */
function phasesLine(r: FuzzReport): string {
  const stops = { budget: 'its budget', time: 'the time', interrupted: 'an interruption', rounds: 'the --minimise-rounds cap', done: 'every cluster cut down' };
  const m = r.phases.minimise;
  const fuzz = `Fuzzing: ${r.scenarios} scenarios in ${r.phases.fuzz.seconds} s, ended by ${stops[r.phases.fuzz.stop]}.`;
  if (!m) return `${fuzz} Minimising did not start.`;
  const uncut = r.clusters.filter((c) => !c.decomposed).length;
  return `${fuzz} Minimising: ${m.rounds} rounds in ${m.seconds} s, ended by ${stops[m.stop]}; ${uncut} of ${r.clusters.length} clusters not cut down.`;
}

function fence(text: string): string {
  const ticks = '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `${ticks}\n${text}\n${ticks}`;
}

export function reportMarkdown(r: FuzzReport): string {
  const out = [
    `# Differential fuzzing: ${r.suite}, seed ${r.seed}`,
    '',
    `Command: \`${r.command}\``,
    '',
    `Repeat it exactly: \`${r.repeat}\``,
    '',
    phasesLine(r),
    '',
    `${r.scenarios} scenarios on ${r.targets.length} targets (${r.targets.join(', ')}); ${r.disagreements} disagreements in ${r.clusters.length} clusters. ` +
      `Reference: ${r.reference}. ${r.throughput.scenariosPerSecond} scenarios/s; fuzzing ${r.throughput.fuzzSeconds} s, minimising ${r.throughput.minimiseSeconds} s.`,
    '',
  ];
  if (r.unavailable.length) out.push(`Unavailable: ${r.unavailable.map((u) => `${u.id} (${u.reason})`).join('; ')}`, '');
  out.push(
    markdownTable(
      ['target', 'runs', 'adapter s', 'share of time'],
      r.throughput.perTarget.map((t) => [t.target, String(t.runs), String(t.adapterSeconds), `${(t.share * 100).toFixed(1)} %`]),
    ),
    '',
  );
  for (const c of r.clusters) {
    out.push(`## ${c.id}: ${c.size} scenario(s); features: ${c.features.join(', ') || '(none)'}`, '');
    out.push(`Scenarios: ${c.members.join(', ')}${c.size > c.members.length ? ', ...' : ''}`, '');
    out.push(
      markdownTable(
        ['targets', 'sent'],
        c.partition.map((g) => [g.targets.map((t) => (t === r.reference ? `**${t}** (reference)` : t)).join(', '), g.observation]),
      ),
      '',
    );
    if (c.excluded.length) out.push(`Could not run it: ${c.excluded.join(', ')}`, '');
    out.push(`${minimisedLine(c)}:`, '', fence(c.minimised.text), '');
    out.push('Proposed vector (cite it and check the expectation against the spec before adding it):', '', fence(JSON.stringify(c.vector, null, 2)), '');
  }
  return out.join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function reportHtml(r: FuzzReport): string {
  const clusters = r.clusters
    .map(
      (c) => `<section id="${c.id}"><h2>${c.id}: ${c.size} scenario(s)</h2>
<p>Features: ${esc(c.features.join(', ') || '(none)')}. Scenarios: ${c.members.join(', ')}${c.size > c.members.length ? ', ...' : ''}</p>
<table><tr><th>targets</th><th>sent</th></tr>
${c.partition.map((g) => `<tr${g.reference ? ' class="ref"' : ''}><td>${esc(g.targets.join(', '))}${g.reference ? ' (reference)' : ''}</td><td><code>${esc(g.observation)}</code></td></tr>`).join('\n')}
</table>${c.excluded.length ? `<p>Could not run it: ${esc(c.excluded.join(', '))}</p>` : ''}
<p>${esc(minimisedLine(c))}:</p>
<pre>${esc(c.minimised.text)}</pre>
<details><summary>Proposed vector</summary><pre>${esc(JSON.stringify(c.vector, null, 2))}</pre></details></section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>conformatrix fuzz: ${esc(r.suite)} seed ${r.seed}</title>
<style>body{font-family:sans-serif;max-width:70em;margin:auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top}tr.ref{background:#eef6ee}pre{background:#f6f6f6;padding:6px;overflow:auto}</style>
</head><body>
<h1>Differential fuzzing: ${esc(r.suite)}, seed ${r.seed}</h1>
<p>Command: <code>${esc(r.command)}</code></p>
<p>Repeat it exactly: <code>${esc(r.repeat)}</code></p>
<p>${esc(phasesLine(r))}</p>
<p>${r.scenarios} scenarios on ${r.targets.length} targets; ${r.disagreements} disagreements in ${r.clusters.length} clusters. Reference: ${esc(r.reference)}. ${r.throughput.scenariosPerSecond} scenarios/s.</p>
<table><tr><th>target</th><th>runs</th><th>adapter s</th><th>share of time</th></tr>
${r.throughput.perTarget.map((t) => `<tr><td>${esc(t.target)}</td><td>${t.runs}</td><td>${t.adapterSeconds}</td><td>${(t.share * 100).toFixed(1)} %</td></tr>`).join('\n')}
</table>
${clusters}
</body></html>
`;
}

/** Writes fuzz.json, fuzz.md and fuzz.html into `dir`, each atomically; returns their paths. */
export function writeFuzzReports(r: FuzzReport, dir: string): string[] {
  const files: [string, string][] = [
    ['fuzz.json', JSON.stringify(r, null, 2) + '\n'],
    ['fuzz.md', reportMarkdown(r)],
    ['fuzz.html', reportHtml(r)],
  ];
  return files.map(([name, text]) => {
    const path = join(dir, name);
    writeFileAtomic(path, text);
    return path;
  });
}

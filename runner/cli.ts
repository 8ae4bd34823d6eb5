#!/usr/bin/env node
/**
 * The conformatrix command line. Exit codes: 0 success, 1 unexpected results
 * (failures, errors, timeouts), 2 usage or harness error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { errorMessage, GateError, InputError, InputErrors, UsageError } from './errors.js';
import { writeFileAtomic } from './fsutil.js';
import { harnessVersion, writeReports } from './results.js';
import { runCommand } from './run.js';
import { indexMarkdownSpec, SpecLibrary } from './specs.js';
import { loadSuites, runViews } from './suites.js';
import { validateCommand } from './validate.js';
import { coverageCommand, COVERAGE_USAGE } from './coverage.js';
import { diffRuns, diffText, readRunAt } from './diff.js';
import { mergeDirs } from './merge.js';
import { buildSite } from './site/build.js';
import { isUnexpected } from './model.js';
import { summaryText } from './reports/summary.js';
import { parseShard } from './shard.js';
import { RUN_OPTIONS } from './run-options.js';
import { fuzzCommand, FUZZ_USAGE } from './fuzz/command.js';
import { DIST_DIR } from './paths.js';

/** Each command's usage, for `conformatrix COMMAND --help` and the overview. */
const USAGE = {
  run: `conformatrix run [--suite S]... [--target NAME]... [--include-target NAME]... [--vectors PATH]... [--profile P]
                   [--out DIR] [--grep RE] [--invert] [--reporter progress-lines|MOCHA-REPORTER] [--jobs N]
                   [--timeout MS] [--list] [--driver local|docker|auto] [--target-dir DIR]...
                   [--shard I/N] [--retries N] [--seed N]
                   [--expectations FILE]... [--update-expectations FILE]`,
  merge: 'conformatrix merge DIR... --out DIR [--quiet]',
  diff: 'conformatrix diff OLD NEW [--json]',
  site: 'conformatrix site RUNS... --out DIR [--title TEXT] [--quiet]   (a static site of many runs: trends and diffs per target)',
  validate: 'conformatrix validate [PATH...]   (vector files or folders, target.json manifests, expectations files)',
  coverage: `${COVERAGE_USAGE}   (requirements the vectors cite; exit 1 when a testable one has none)`,
  'spec-index': 'conformatrix spec-index FILE.md --doc NAME --out FILE.json [--url URL]',
  fuzz: `${FUZZ_USAGE}   (differential fuzzing, docs/fuzz.md)`,
};

const EXIT_CODES =
  'Exit codes: 0 no unexpected result, 1 unexpected results, 2 usage or harness error, or nothing to vouch for\n(a named target unavailable, no vector run, shards missing).';

const HELP = `conformatrix: conformance vectors run against real implementations

Usage:
  ${Object.values(USAGE).join('\n  ')}
  conformatrix <suite command> ...     (conformatrix help lists them)
  conformatrix COMMAND --help

${EXIT_CODES}
See README.md and docs/.`;

/** The largest --timeout: Node's timers take at most 2^31-1 ms and turn anything larger into 1 ms. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Prints a command's usage when --help or -h is among its arguments; true when it did. */
function helpFor(command: keyof typeof USAGE, args: string[]): boolean {
  if (!args.includes('--help') && !args.includes('-h')) return false;
  process.stdout.write(`Usage: ${USAGE[command]}\n\n${EXIT_CODES}\nSee README.md and docs/.\n`);
  return true;
}

async function suiteCommands() {
  const suites = await loadSuites();
  const commands = new Map<string, { suite: string; command: NonNullable<(typeof suites)[number]['commands']>[string] }>();
  for (const s of suites) for (const [name, command] of Object.entries(s.commands ?? {})) commands.set(name, { suite: s.name, command });
  return commands;
}

/** The fuzz command of the suite named by --suite, when that suite brings its own (suites/<S>/fuzz.ts, `fuzzCommand`). */
async function suiteFuzzCommand(args: string[]): Promise<((args: string[]) => Promise<number>) | undefined> {
  const at = args.findIndex((a) => a === '--suite' || a.startsWith('--suite='));
  const suite = at < 0 ? undefined : args[at]!.startsWith('--suite=') ? args[at]!.slice('--suite='.length) : args[at + 1];
  if (!suite || !/^[a-z0-9-]+$/.test(suite)) return undefined;
  const file = join(DIST_DIR, 'suites', suite, 'fuzz.js');
  if (!existsSync(file)) return undefined;
  const mod = (await import(pathToFileURL(file).href)) as { fuzzCommand?: (args: string[]) => Promise<number> };
  return mod.fuzzCommand;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h': {
      process.stdout.write(HELP + '\n\nSuite commands:\n');
      for (const [name, { suite, command: c }] of await suiteCommands())
        process.stdout.write(`  ${name.padEnd(10)} (${suite}) ${c.summary}\n      ${c.usage}\n`);
      return 0;
    }
    case '--version':
    case 'version':
      process.stdout.write(harnessVersion() + '\n');
      return 0;
    case 'run': {
      if (helpFor('run', rest)) return 0;
      const { values } = parseArgs({ args: rest, options: RUN_OPTIONS });
      if (!['local', 'docker', 'auto'].includes(values.driver))
        throw new UsageError(`--driver takes local, docker or auto, not ${JSON.stringify(values.driver)}`);
      const int = (name: string, v: string | undefined, min = 1, max = Number.MAX_SAFE_INTEGER) => {
        if (v === undefined) return undefined;
        if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max)
          throw new UsageError(`--${name} takes a whole number from ${min} to ${max}, not ${JSON.stringify(v)}`);
        return Number(v);
      };
      const timeout = int('timeout', values.timeout, 1, MAX_TIMEOUT_MS);
      return runCommand({
        suites: values.suite,
        targets: values.target,
        vectors: values.vectors,
        ...(values.profile !== undefined ? { profile: values.profile } : {}),
        out: values.out,
        ...(values.grep !== undefined ? { grep: values.grep } : {}),
        invert: values.invert,
        ...(values.reporter !== undefined ? { reporter: values.reporter } : {}),
        ...(int('jobs', values.jobs) !== undefined ? { jobs: int('jobs', values.jobs)! } : {}),
        ...(timeout !== undefined ? { timeoutMs: timeout } : {}),
        list: values.list,
        driver: values.driver as 'local' | 'docker' | 'auto',
        ...(values['target-dir'].length ? { targetDirs: values['target-dir'] } : {}),
        ...(values.shard !== undefined ? { shard: parseShard(values.shard) } : {}),
        ...(values.retries !== undefined ? { retries: int('retries', values.retries, 0)! } : {}),
        ...(values.seed !== undefined ? { seed: int('seed', values.seed, 0)! } : {}),
        ...(values.expectations.length ? { expectations: values.expectations } : {}),
        ...(values['update-expectations'] !== undefined ? { updateExpectations: values['update-expectations'] } : {}),
        ...(values['include-target'].length ? { includeTargets: values['include-target'] } : {}),
        argv: ['conformatrix', ...argv],
      });
    }
    case 'validate': {
      if (helpFor('validate', rest)) return 0;
      const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
      return validateCommand(positionals);
    }
    case 'coverage': {
      if (helpFor('coverage', rest)) return 0;
      return coverageCommand(rest);
    }
    case 'merge': {
      if (helpFor('merge', rest)) return 0;
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { out: { type: 'string' }, quiet: { type: 'boolean', default: false } },
      });
      if (!values.out) throw new UsageError('merge needs --out DIR');
      if (positionals.length === 0) throw new UsageError('merge needs the results folders to merge: conformatrix merge DIR... --out DIR');
      const run = mergeDirs(positionals, values.out);
      const written = writeReports(run, values.out, await runViews(run));
      if (!values.quiet) process.stdout.write(`${summaryText(run)}\n\nReports: ${written.join(', ')}\n`);
      return run.results.some(isUnexpected) ? 1 : 0;
    }
    case 'diff': {
      if (helpFor('diff', rest)) return 0;
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
      if (positionals.length !== 2) throw new UsageError('diff takes two runs: conformatrix diff OLD NEW (results folders or results.json files)');
      const d = diffRuns(readRunAt(positionals[0]!), readRunAt(positionals[1]!));
      process.stdout.write(values.json ? JSON.stringify(d, null, 2) + '\n' : diffText(d) + '\n');
      return d.regressions.length ? 1 : 0;
    }
    case 'site': {
      if (helpFor('site', rest)) return 0;
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { out: { type: 'string' }, title: { type: 'string' }, quiet: { type: 'boolean', default: false } },
      });
      if (!values.out) throw new UsageError('site needs --out DIR');
      if (positionals.length === 0) throw new UsageError('site needs the run folders: conformatrix site RUNS... --out DIR');
      const site = await buildSite(positionals, values.out, values.title !== undefined ? { title: values.title } : {});
      for (const w of site.warnings) process.stderr.write(`conformatrix: warning: ${w}\n`);
      if (!values.quiet) {
        const diffs = site.model.targets.reduce((n, t) => n + t.series.reduce((m, s) => m + s.diffs.length, 0), 0);
        process.stdout.write(
          `Site: ${site.model.runs.length} runs, ${site.model.targets.length} targets, ${diffs} diff pages in ${values.out} (open ${values.out}/index.html)\n`,
        );
      }
      return 0;
    }
    case 'spec-index': {
      if (helpFor('spec-index', rest)) return 0;
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { doc: { type: 'string' }, out: { type: 'string' }, url: { type: 'string' } },
      });
      const [file] = positionals;
      if (!file || !values.doc || !values.out) throw new UsageError(`usage: ${USAGE['spec-index']}`);
      const { title, sections } = indexMarkdownSpec(readFileSync(file, 'utf8'));
      const docName = file.split('/').pop()!.replace(/\.md$/, '');
      const index = {
        doc: values.doc,
        title,
        reference: docName,
        ...(values.url ? { url: values.url } : {}),
        generated: `conformatrix spec-index ${docName}.md --doc ${values.doc}`,
        sections,
      };
      writeFileAtomic(values.out, JSON.stringify(index, null, 2) + '\n');
      SpecLibrary.load();
      process.stdout.write(`wrote ${sections.length} sections to ${values.out}\n`);
      return 0;
    }
    case 'fuzz': {
      // A suite may bring a fuzzer of its own (suites/<S>/fuzz.ts exporting fuzzCommand(arguments as given) -> exit code:
      // the MPTCP suite's mutates packet vectors in-process); every other suite goes through runner/fuzz/ with its FuzzSuite.
      const own = await suiteFuzzCommand(rest);
      if (own) return own(rest);
      if (helpFor('fuzz', rest)) return 0;
      return fuzzCommand(rest);
    }
    default: {
      const found = (await suiteCommands()).get(command);
      if (!found) throw new UsageError(`unknown command "${command}"; see conformatrix help`);
      return found.command.run(rest);
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof InputErrors) {
      for (const e of err.errors) process.stderr.write(`${e.message}\n`);
      process.stderr.write(`${err.errors.length} error(s)\n`);
    } else if (err instanceof InputError || err instanceof UsageError || err instanceof GateError) {
      process.stderr.write(`conformatrix: ${err.message}\n`);
    } else if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`conformatrix: ${err.message}\n`);
    } else {
      process.stderr.write(`conformatrix: harness error: ${err instanceof Error ? (err.stack ?? err.message) : errorMessage(err)}\n`);
    }
    process.exitCode = 2;
  },
);

#!/usr/bin/env node
/**
 * The conformatrix command line. Exit codes: 0 success, 1 unexpected results
 * (failures, errors, timeouts), 2 usage or harness error.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { errorMessage, InputError, InputErrors, UsageError } from './errors.js';
import { writeFileAtomic } from './fsutil.js';
import { harnessVersion, writeReports } from './results.js';
import { runCommand } from './run.js';
import { indexMarkdownSpec, SpecLibrary } from './specs.js';
import { loadSuites } from './suites.js';
import { validateCommand } from './validate.js';
import { diffRuns, diffText, readRunAt } from './diff.js';
import { mergeDirs } from './merge.js';
import { isUnexpected } from './model.js';
import { summaryText } from './reports/summary.js';
import { parseShard } from './shard.js';

const HELP = `conformatrix: conformance vectors run against real implementations

Usage:
  conformatrix run [--suite S]... [--target NAME]... [--vectors PATH]... [--profile P]
                   [--out DIR] [--grep RE] [--invert] [--reporter R] [--jobs N]
                   [--timeout MS] [--list] [--driver local|docker|auto] [--target-dir DIR]...
                   [--shard I/N] [--retries N] [--seed N]
                   [--expectations FILE]... [--update-expectations FILE]
  conformatrix merge DIR... --out DIR
  conformatrix diff OLD NEW [--json]
  conformatrix validate [PATH...]
  conformatrix spec-index FILE.md --doc NAME --out FILE.json [--url URL]
  conformatrix <suite command> ...     (conformatrix help lists them)

Exit codes: 0 no unexpected result, 1 unexpected results, 2 usage or harness error.
See README.md and docs/.`;

async function suiteCommands() {
  const suites = await loadSuites();
  const commands = new Map<string, { suite: string; command: NonNullable<(typeof suites)[number]['commands']>[string] }>();
  for (const s of suites) for (const [name, command] of Object.entries(s.commands ?? {})) commands.set(name, { suite: s.name, command });
  return commands;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h': {
      process.stdout.write(HELP + '\n\nSuite commands:\n');
      for (const [name, { suite, command: c }] of await suiteCommands()) process.stdout.write(`  ${name.padEnd(10)} (${suite}) ${c.summary}\n      ${c.usage}\n`);
      return 0;
    }
    case '--version':
    case 'version':
      process.stdout.write(harnessVersion() + '\n');
      return 0;
    case 'run': {
      const { values } = parseArgs({
        args: rest,
        options: {
          suite: { type: 'string', multiple: true, default: [] },
          target: { type: 'string', multiple: true, default: [] },
          vectors: { type: 'string', multiple: true, default: [] },
          profile: { type: 'string' },
          out: { type: 'string', default: 'reports' },
          grep: { type: 'string' },
          invert: { type: 'boolean', default: false },
          reporter: { type: 'string' },
          jobs: { type: 'string' },
          timeout: { type: 'string' },
          list: { type: 'boolean', default: false },
          driver: { type: 'string', default: 'local' },
          'target-dir': { type: 'string', multiple: true, default: [] },
          shard: { type: 'string' },
          retries: { type: 'string' },
          seed: { type: 'string' },
          expectations: { type: 'string', multiple: true, default: [] },
          'update-expectations': { type: 'string' },
        },
      });
      if (!['local', 'docker', 'auto'].includes(values.driver)) throw new UsageError(`--driver takes local, docker or auto, not ${JSON.stringify(values.driver)}`);
      const int = (name: string, v: string | undefined, min = 1) => {
        if (v === undefined) return undefined;
        if (!/^[0-9]+$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v))) throw new UsageError(`--${name} takes a whole number from ${min}, not ${JSON.stringify(v)}`);
        return Number(v);
      };
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
        ...(int('timeout', values.timeout) !== undefined ? { timeoutMs: int('timeout', values.timeout)! } : {}),
        list: values.list,
        driver: values.driver as 'local' | 'docker' | 'auto',
        ...(values['target-dir'].length ? { targetDirs: values['target-dir'] } : {}),
        ...(values.shard !== undefined ? { shard: parseShard(values.shard) } : {}),
        ...(values.retries !== undefined ? { retries: int('retries', values.retries, 0)! } : {}),
        ...(values.seed !== undefined ? { seed: int('seed', values.seed, 0)! } : {}),
        ...(values.expectations.length ? { expectations: values.expectations } : {}),
        ...(values['update-expectations'] !== undefined ? { updateExpectations: values['update-expectations'] } : {}),
        argv: ['conformatrix', ...argv],
      });
    }
    case 'validate':
      return validateCommand(rest);
    case 'merge': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { out: { type: 'string' }, quiet: { type: 'boolean', default: false } } });
      if (!values.out) throw new UsageError('merge needs --out DIR');
      if (positionals.length === 0) throw new UsageError('merge needs the results folders to merge: conformatrix merge DIR... --out DIR');
      const run = mergeDirs(positionals, values.out);
      const written = writeReports(run, values.out);
      if (!values.quiet) process.stdout.write(`${summaryText(run)}\n\nReports: ${written.join(', ')}\n`);
      return run.results.some(isUnexpected) ? 1 : 0;
    }
    case 'diff': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
      if (positionals.length !== 2) throw new UsageError('diff takes two runs: conformatrix diff OLD NEW (results folders or results.json files)');
      const d = diffRuns(readRunAt(positionals[0]!), readRunAt(positionals[1]!));
      process.stdout.write(values.json ? JSON.stringify(d, null, 2) + '\n' : diffText(d) + '\n');
      return d.regressions.length ? 1 : 0;
    }
    case 'spec-index': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { doc: { type: 'string' }, out: { type: 'string' }, url: { type: 'string' } },
      });
      const [file] = positionals;
      if (!file || !values.doc || !values.out) throw new UsageError('usage: conformatrix spec-index FILE.md --doc NAME --out FILE.json [--url URL]');
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
    } else if (err instanceof InputError || err instanceof UsageError) {
      process.stderr.write(`conformatrix: ${err.message}\n`);
    } else if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`conformatrix: ${err.message}\n`);
    } else {
      process.stderr.write(`conformatrix: harness error: ${err instanceof Error ? (err.stack ?? err.message) : errorMessage(err)}\n`);
    }
    process.exitCode = 2;
  },
);

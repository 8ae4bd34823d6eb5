/**
 * The command that runs one result again: the run's own options that choose
 * what runs and how (suite, vectors, profile, driver, target folders, timeout,
 * seed), the result's target (each role's, for an interop pair) and a --grep
 * that selects exactly that vector on that target. The console's failure list
 * and matrix.html's panel show it, ready to paste into a shell.
 */
import { parseArgs } from 'node:util';
import { RUN_OPTIONS } from './run-options.js';

/** The options of `run` a rerun keeps, with their value; every other option (--out, --grep, --shard, ...) is dropped. */
const KEPT = ['suite', 'vectors', 'profile', 'driver', 'target-dir', 'timeout', 'seed'] as const;
/** Every option of `run` that takes a value, so that argv is read as the command line read it. */
const VALUED = Object.entries(RUN_OPTIONS).flatMap(([name, o]) => (o.type === 'string' ? [name] : []));

/** What a rerun needs of the original run when its argv was not recorded (a run started from code). */
export interface RerunFallback {
  suites?: string[];
  vectors?: string[];
  profile?: string;
  driver?: string;
  targetDirs?: string[];
  timeoutMs?: number;
  seed?: number;
}

/** A word for a POSIX shell: as it is when it is plainly safe, else in single quotes. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A regular expression matching `text` literally. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The kept options of the original command line, in the order given, as [name, value] pairs. */
function keptOptions(argv: string[] | undefined, fallback: RerunFallback): [string, string][] {
  if (argv && argv[1] === 'run') {
    const { tokens } = parseArgs({
      args: argv.slice(2),
      options: Object.fromEntries(VALUED.map((name) => [name, { type: 'string' as const, multiple: true }])),
      strict: false,
      allowPositionals: true,
      tokens: true,
    });
    const kept = new Set<string>(KEPT);
    return tokens.flatMap((t) => (t.kind === 'option' && kept.has(t.name) && t.value !== undefined ? [[t.name, t.value] as [string, string]] : []));
  }
  const out: [string, string][] = [];
  for (const s of fallback.suites ?? []) out.push(['suite', s]);
  for (const v of fallback.vectors ?? []) out.push(['vectors', v]);
  if (fallback.profile !== undefined) out.push(['profile', fallback.profile]);
  if (fallback.driver !== undefined && fallback.driver !== 'local') out.push(['driver', fallback.driver]);
  for (const d of fallback.targetDirs ?? []) out.push(['target-dir', d]);
  if (fallback.timeoutMs !== undefined) out.push(['timeout', String(fallback.timeoutMs)]);
  if (fallback.seed) out.push(['seed', String(fallback.seed)]);
  return out;
}

/**
 * `npx conformatrix run ... --target T --grep '^T <id>: '`: mocha's title of
 * a vector's test is "<target> <id>: <title>", so the pattern selects that
 * vector on that target (on that pair, for an interop result, whose targets
 * are each given with --target). The reports go to --out OUT (by default
 * reports-rerun, so that the original reports stay).
 */
export function rerunCommand(argv: string[] | undefined, targetId: string, vectorId: string, options: { fallback?: RerunFallback; out?: string } = {}): string {
  const words = ['npx', 'conformatrix', 'run'];
  for (const [name, value] of keptOptions(argv, options.fallback ?? {})) words.push(`--${name}`, value);
  for (const t of [...new Set(targetId.split('+'))]) words.push('--target', t);
  words.push('--grep', `^${escapeRegExp(targetId)} ${escapeRegExp(vectorId)}: `);
  words.push('--out', options.out ?? 'reports-rerun');
  return words.map(shellQuote).join(' ');
}

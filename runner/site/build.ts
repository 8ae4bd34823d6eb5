/**
 * `conformatrix site RUNS... --out DIR`: a static site of many runs
 * (docs/reports.md, "The site"). The site is built in a temporary folder next
 * to DIR and renamed into place, so that a reader (or a publishing job) never
 * sees half of it. An existing DIR is replaced only when it is a site this
 * command wrote (it holds SITE_MARKER) or an empty folder: pointing --out at
 * the wrong folder must not delete it.
 */
import { copyFileSync, cpSync, existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../errors.js';
import { ensureDir, writeFileAtomic } from '../fsutil.js';
import { htmlReport } from '../reports/html.js';
import { harnessVersion } from '../results.js';
import { runViews } from '../suites.js';
import { diffPage, indexPage, sitePaths, targetPage } from './html.js';
import { siteModel, type SiteModel, type SiteRun } from './model.js';
import { readRunFolders } from './read.js';

/** The file that marks a folder as a site this command wrote, and so as one it may replace. */
export const SITE_MARKER = '.conformatrix-site';

/** The reports a run folder holds that the site keeps beside its matrix.html. */
const RUN_FILES = ['results.json', 'matrix.md', 'junit.xml'];

export interface SiteOptions {
  title?: string;
}

export interface SiteSummary {
  model: SiteModel;
  /** Pages written, relative to the site's folder. */
  pages: string[];
  /** Things the site could not do as asked (an artifact a result names that is missing), one line each. */
  warnings: string[];
}

const inside = (dir: string, path: string) => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/** Refuses an --out that is not ours to replace, or that holds one of the runs. */
function checkOut(out: string, runDirs: string[]): void {
  const abs = resolve(out);
  for (const d of runDirs) {
    if (inside(abs, resolve(d))) throw new UsageError(`--out ${out} holds the run folder ${d}: building the site there would delete it; choose another --out`);
  }
  if (!existsSync(abs)) return;
  if (!statSync(abs).isDirectory()) throw new UsageError(`--out ${out} is a file, not a folder`);
  if (readdirSync(abs).length && !existsSync(join(abs, SITE_MARKER)))
    throw new UsageError(
      `--out ${out} is a folder with files in it that conformatrix site did not write (no ${SITE_MARKER}); it replaces only its own sites: choose an empty or new folder`,
    );
}

/**
 * A run's files under the site: results.json and the other reports, its
 * matrix.html (written from results.json when the folder has none), its
 * artifacts/ folder, and any other file its results name inside the folder.
 */
async function copyRun(sr: SiteRun, dest: string, warnings: string[]): Promise<void> {
  ensureDir(dest);
  for (const f of RUN_FILES) if (existsSync(join(sr.dir, f))) copyFileSync(join(sr.dir, f), join(dest, f));
  const matrix = join(sr.dir, 'matrix.html');
  if (existsSync(matrix)) copyFileSync(matrix, join(dest, 'matrix.html'));
  else writeFileAtomic(join(dest, 'matrix.html'), htmlReport(sr.run, { views: await runViews(sr.run) }));
  const root = resolve(sr.dir);
  if (existsSync(join(root, 'artifacts'))) cpSync(join(root, 'artifacts'), join(dest, 'artifacts'), { recursive: true });
  const named = new Set(sr.run.results.flatMap((r) => Object.values(r.artifacts ?? {})));
  for (const rel of named) {
    const from = resolve(root, rel);
    if (!inside(root, from)) {
      warnings.push(`${join(sr.dir, 'results.json')}: artifact ${rel} lies outside the run folder; not copied`);
      continue;
    }
    const to = join(dest, relative(root, from));
    if (existsSync(to)) continue;
    if (!existsSync(from)) {
      warnings.push(`${join(sr.dir, 'results.json')}: artifact ${rel} is missing from the run folder; its link will not work`);
      continue;
    }
    ensureDir(dirname(to));
    cpSync(from, to, { recursive: true });
  }
}

/** Writes every page and copies every run into `dir` (a fresh folder). */
async function writeSite(model: SiteModel, dir: string, title: string): Promise<SiteSummary> {
  const pages: string[] = [];
  const warnings: string[] = [];
  const write = (rel: string, html: string) => {
    writeFileAtomic(join(dir, rel), html);
    pages.push(rel);
  };
  for (const sr of model.runs) await copyRun(sr, join(dir, sitePaths.run(sr)), warnings);
  write('index.html', indexPage(model, title, `conformatrix ${harnessVersion()}`));
  for (const t of model.targets) {
    write(sitePaths.target(t), targetPage(t, title));
    for (const s of t.series) s.diffs.forEach((_, i) => write(sitePaths.diff(t, s, i), diffPage(t, s, i, title)));
  }
  writeFileAtomic(join(dir, SITE_MARKER), JSON.stringify({ format: 'conformatrix-site', version: 1, runs: model.runs.map((r) => r.slug) }) + '\n');
  return { model, pages, warnings };
}

export async function buildSite(runDirs: string[], out: string, options: SiteOptions = {}): Promise<SiteSummary> {
  if (!runDirs.length) throw new UsageError('site needs at least one run folder: conformatrix site RUNS... --out DIR');
  checkOut(out, runDirs);
  const model = siteModel(readRunFolders(runDirs));
  const abs = resolve(out);
  ensureDir(dirname(abs));
  const tag = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  const tmp = join(dirname(abs), `.${basename(abs)}.tmp-${tag}`);
  const old = join(dirname(abs), `.${basename(abs)}.old-${tag}`);
  try {
    const summary = await writeSite(model, tmp, options.title ?? 'Conformance runs');
    // Two renames: a folder cannot replace a non-empty one in one step. Between them DIR is absent for an instant, never half-written.
    if (existsSync(abs)) renameSync(abs, old);
    renameSync(tmp, abs);
    rmSync(old, { recursive: true, force: true });
    return summary;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (existsSync(old) && !existsSync(abs)) renameSync(old, abs);
    throw err;
  }
}

import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { GeneratedFile } from '../render/generated-file';

/** The stamp synth writes into every output folder: which files it wrote there. */
export const DIST_STAMP = '.opencode-memory-pod-dist.json';

/** The output folder is not one synth may replace; nothing was written. */
export class OutputFolderError extends Error {}

/**
 * Refuses an output folder that holds anything synth did not write: a folder that exists and is
 * not empty must carry the stamp of an earlier synth, and hold only the files that stamp lists.
 * (`synth -o .` in a repository, or `-o ~`, would otherwise replace it wholesale.)
 */
export function checkOutputFolder(outDir: string): void {
  const target = resolve(outDir);
  if (!existsSync(target)) return;
  if (!lstatSync(target).isDirectory()) throw new OutputFolderError(`${outDir} exists and is not a folder: refusing to replace it; choose another --out`);
  const present = listFiles(target);
  if (!present.length) return;
  const stampPath = join(target, DIST_STAMP);
  if (!existsSync(stampPath)) {
    throw new OutputFolderError(
      `${outDir}/ is not empty and was not written by synth (it has no ${DIST_STAMP}): refusing to replace it (${describe(present)}); choose a new or empty folder with --out`,
    );
  }
  let written: string[];
  try {
    written = (JSON.parse(readFileSync(stampPath, 'utf8')) as { files: string[] }).files;
    if (!Array.isArray(written)) throw new Error('no file list');
  } catch (e) {
    throw new OutputFolderError(`${stampPath} is not a stamp synth wrote (${(e as Error).message}): refusing to replace ${outDir}/`);
  }
  const foreign = present.filter((f) => f !== DIST_STAMP && !written.includes(f));
  if (foreign.length) {
    throw new OutputFolderError(`${outDir}/ holds files synth did not write (${describe(foreign)}): move them away, then synth again; nothing was written`);
  }
}

/**
 * Replaces `outDir` with exactly `files` and a stamp listing them. Everything is written into a
 * fresh sibling folder first and swapped in by rename, so a failure at any point leaves the old
 * outDir as it was. Throws OutputFolderError, writing nothing, when outDir holds anything an
 * earlier synth did not write.
 */
export function writeDist(outDir: string, files: readonly GeneratedFile[]): void {
  checkOutputFolder(outDir);
  const target = resolve(outDir);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const staging = mkdtempSync(join(parent, `.${basename(target)}-new-`));
  try {
    const stamp = {
      generator: 'opencode-memory-pod',
      note: 'synth replaces this folder only while it holds just these files',
      files: files.map((f) => f.path).sort(),
    };
    writeFileSync(join(staging, DIST_STAMP), `${JSON.stringify(stamp, null, 2)}\n`, { mode: 0o644 });
    for (const file of files) {
      const path = join(staging, file.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.content);
      chmodSync(path, file.mode);
    }
    chmodSync(staging, 0o755);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  let old: string | undefined;
  if (existsSync(target)) {
    old = `${staging.replace(/-new-/, '-old-')}`;
    renameSync(target, old);
  }
  try {
    renameSync(staging, target);
  } catch (e) {
    if (old) renameSync(old, target);
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  if (old) rmSync(old, { recursive: true, force: true });
}

/** Every file below `dir` (relative paths), folders not listed. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  // An empty folder is still something synth did not write.
  const emptyDirs = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .flatMap((e) => {
        const p = join(d, e.name);
        return readdirSync(p).length ? emptyDirs(p) : [`${relative(dir, p)}/`];
      });
  return [...out, ...emptyDirs(dir)];
}

function describe(paths: readonly string[]): string {
  return paths.length > 5 ? `${paths.slice(0, 5).join(', ')} and ${paths.length - 5} more` : paths.join(', ');
}

/**
 * cdk8s-cli runs the app with CDK8S_OUTDIR and reads manifests from there (validation plugins):
 * the generated YAML files, at the same relative paths (the plugin checks kubernetes/ as cluster
 * manifests).
 */
export function copyManifestsForCdk8s(files: readonly GeneratedFile[], cdk8sOutDir: string): void {
  for (const file of files.filter((f) => f.path.endsWith('.yaml'))) {
    const path = join(cdk8sOutDir, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
  }
}

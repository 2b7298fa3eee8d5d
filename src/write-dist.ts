import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { GeneratedFile } from './synth';

/**
 * Replaces `outDir` with exactly `files`. Everything is written into a fresh sibling folder
 * first and swapped in by rename, so a failure at any point leaves the old outDir as it was.
 */
export function writeDist(outDir: string, files: readonly GeneratedFile[]): void {
  const target = resolve(outDir);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const staging = mkdtempSync(join(parent, `.${basename(target)}-new-`));
  try {
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

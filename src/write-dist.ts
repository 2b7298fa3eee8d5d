import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

/** cdk8s-cli runs the app with CDK8S_OUTDIR and reads manifests from there (validation plugins). */
export function copyManifestsForCdk8s(outDir: string, cdk8sOutDir: string): void {
  mkdirSync(cdk8sOutDir, { recursive: true });
  if (existsSync(join(outDir, 'pod.yaml'))) cpSync(join(outDir, 'pod.yaml'), join(cdk8sOutDir, 'pod.yaml'));
  const kube = join(outDir, 'kubernetes');
  if (existsSync(kube)) {
    // The validation plugin checks files under kubernetes/ as cluster manifests.
    mkdirSync(join(cdk8sOutDir, 'kubernetes'), { recursive: true });
    for (const name of readdirSync(kube).filter((n) => n.endsWith('.yaml'))) cpSync(join(kube, name), join(cdk8sOutDir, 'kubernetes', name));
  }
}

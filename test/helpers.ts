import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterEach } from 'vitest';
import { parseConfig } from '../src/config/load';
import { ConfigInput } from '../src/config/schema';
import { PodModel } from '../src/model/pod-model';
import { buildModel, synthesize } from '../src/app/synth';

export const REPO = join(__dirname, '..');

const dirs: string[] = [];
/** A fresh temporary folder, removed after the test. */
export function tempDir(prefix = 'omp-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

export function model(input?: ConfigInput): PodModel {
  return buildModel(parseConfig(input));
}

export function files(input?: ConfigInput): Map<string, string> {
  return new Map(synthesize(parseConfig(input)).map((f) => [f.path, f.content]));
}

/** Shells the launcher must run under, those present on this machine. */
export function shells(): string[][] {
  const found: string[][] = [];
  for (const sh of [['dash'], ['busybox', 'sh'], ['bash', '--norc', '--noprofile', '--posix']]) {
    if (spawnSync('sh', ['-c', `command -v ${sh[0]}`]).status === 0) found.push(sh);
  }
  return found;
}

/** Every file below dir (relative path -> "mode content"), to compare whole trees. */
export function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = `${(statSync(p).mode & 0o777).toString(8)} ${readFileSync(p, 'utf8')}`;
    }
  };
  walk(dir);
  return out;
}

/** dist/ for a configuration, written as synth writes it (modes included), in a new temp folder. */
export function dist(input?: ConfigInput): string {
  const out = join(tempDir(), 'dist');
  for (const f of synthesize(parseConfig(input))) {
    const at = join(out, f.path);
    mkdirSync(dirname(at), { recursive: true });
    writeFileSync(at, f.content);
    chmodSync(at, f.mode);
  }
  return out;
}

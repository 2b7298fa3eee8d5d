import { closeSync, existsSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { podmanImageInspector } from '../compose/image-config';
import { importCompose } from '../compose/import-compose';
import { ComposeImportError } from '../compose/report';
import { reportText } from '../compose/report-text';
import { configYaml } from '../compose/write-config';

export interface ImportComposeOptions {
  file: string;
  out: string;
  force?: boolean;
  profile?: string[];
  rename?: string[];
  volumesDir?: string;
  inspect: boolean;
}

/**
 * `import compose FILE`: writes the configuration (or prints it, -o -) and prints the report.
 * Exit 0 when written, 2 when the compose file cannot be imported or the output exists (no --force);
 * nothing is written then.
 */
export function runImportCompose(
  opts: ImportComposeOptions,
  out = (s: string) => process.stdout.write(s),
  err = (s: string) => process.stderr.write(s),
): number {
  const renames: Record<string, string> = {};
  for (const r of opts.rename ?? []) {
    const eq = r.indexOf('=');
    if (eq <= 0) {
      err(`opencode-memory-pod: import compose: --rename ${r}: must be COMPOSE_NAME=NAME\n`);
      return 2;
    }
    renames[r.slice(0, eq)] = r.slice(eq + 1);
  }
  const toStdout = opts.out === '-';
  if (!toStdout && existsSync(opts.out) && !opts.force) {
    err(`opencode-memory-pod: import compose: ${opts.out} exists: not overwritten (--force to replace it, or -o another file)\n`);
    return 2;
  }
  let imported;
  try {
    imported = importCompose(opts.file, {
      profiles: opts.profile,
      renames,
      volumesDir: opts.volumesDir,
      inspect: opts.inspect ? podmanImageInspector() : undefined,
    });
  } catch (e) {
    if (e instanceof ComposeImportError) {
      err(`opencode-memory-pod: import compose: ${e.message}\nopencode-memory-pod: nothing written\n`);
      return 2;
    }
    throw e;
  }
  const yaml = configYaml(imported, opts.file);
  const report = reportText(imported, toStdout ? 'stdout' : opts.out);
  if (toStdout) {
    out(yaml);
    err(report);
    return 0;
  }
  writeWhole(opts.out, yaml, Boolean(opts.force));
  out(report);
  return 0;
}

/** Writes the file whole or not at all (a temporary file renamed over it); without force never over an existing one. */
function writeWhole(path: string, text: string, force: boolean): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    // Checked again just before the rename: a file made since the first check is not replaced.
    if (!force && existsSync(path)) throw new Error(`${path} appeared during the import: not overwritten`);
    renameSync(tmp, path);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
  }
}

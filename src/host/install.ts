import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UnitKind } from '../render/unit-file';
import { TARGET_NAMES, TARGETS } from '../lib/targets';
import { InstallPlan } from '../render/podman-files';
import { applyDataDir, dataDirState, DataDirState, describePlanned, DirStep } from './data-dirs';
import { oldLayout } from './dir-checks';

export interface InstallOptions {
  /** dist/ folder written by synth. */
  readonly from: string;
  /** Install under this folder instead of / (packaging, tests, a machine image). */
  readonly root?: string;
  /** Print what would be done; change nothing. */
  readonly dryRun?: boolean;
  /** Which unit to install: podman's podman-kube@ template with our drop-in (every version), or the Quadlet (4.4+). */
  readonly unit?: UnitKind;
}

/** Reads dist/install.json; throws with a clear message when dist/ is missing or not ours. */
export function readInstallPlan(from: string): InstallPlan {
  const path = join(from, 'install.json');
  if (!existsSync(path)) {
    // Targets whose files go live by hand (lib/targets.ts `byHand`): install.json is the others'.
    const byHand = TARGET_NAMES.filter((t) => TARGETS[t].byHand && TARGETS[t].folder && existsSync(join(from, TARGETS[t].folder)));
    if (byHand.length) {
      const ours = TARGET_NAMES.filter((t) => !TARGETS[t].byHand);
      const how = byHand.map((t) => TARGETS[t].byHand!.replace('{dir}', `${from}/${TARGETS[t].folder}`));
      throw new Error(
        `${from}/ holds only the ${byHand.map((t) => TARGETS[t].title).join(' and ')} target (install and doctor are for the ${ours.join(', ')} target): synth --target ${ours.join(',')}, or ${how.join(', or ')}`,
      );
    }
    throw new Error(`${path} not found: run \`opencode-memory-pod synth\` (or npm run synth) first`);
  }
  return JSON.parse(readFileSync(path, 'utf8')) as InstallPlan;
}

/** Installing failed on the host (permissions, disk, a path in the way); the host was put back as it was. */
export class InstallIOError extends Error {}

/**
 * Copies pod.yaml, the units and helpers to their places, creates the data directories (and hands
 * those of a service that runs as its own user to that user), and returns the lines to print. All or nothing: every file is first written next to its target; only when all
 * are written are they renamed into place, an existing different file is kept as a named backup
 * (`<file>.omp-backup-<time>`), and on any failure what was done is undone (InstallIOError).
 */
export function install(options: InstallOptions): string[] {
  const plan = readInstallPlan(options.from);
  const root = options.root ?? '/';
  const unitKind = options.unit ?? 'podman-kube';
  const out: string[] = [];
  const files = plan.files.filter((f) => !f.unitKind || f.unitKind === unitKind); // both kinds would run the pod twice
  const dirs = plan.dataDirs.map((d) => dataDirState(d, root));
  // Only what we wrote: a file of that name that is not ours is left alone.
  const retired = (plan.retired ?? []).filter((r) => isOurs(join(root, r.path)));

  if (options.dryRun) {
    for (const f of files)
      out.push(`would install ${join(root, f.to)}${existsSync(join(root, f.to)) ? ' (the file there is kept as a backup if it differs)' : ''}`);
    out.push(...dirs.map(describePlanned));
    for (const r of retired) out.push(`would move aside ${join(root, r.path)} (an earlier version's; this one no longer has it)`);
  } else {
    const refused = dirs.filter((d) => d.problem).map((d) => d.problem);
    if (refused.length) throw new InstallIOError(`${refused.join('; ')}; nothing was installed (the host is as it was)`);
    out.push(...installFiles(options.from, root, files, dirs, retired));
  }
  for (const d of plan.dataDirs) {
    const old = d.service === 'opencode' ? oldLayout(join(root, d.path)) : undefined;
    if (old) out.push(`note: ${old.message}; ${old.fix}`);
  }
  for (const ws of plan.workspaces ?? []) {
    const at = join(root, ws.path);
    out.push(
      existsSync(at)
        ? `workspace ${at} (${ws.field}) exists; ${ws.service} works there as ${ws.runAs}`
        : `note: workspace ${at} (${ws.field}) does not exist; the pod will not start until it does (create it as the user who owns the code, e.g. mkdir -p ${ws.path})`,
    );
  }
  if (!existsSync(join(root, plan.envFile))) {
    out.push(`note: ${join(root, plan.envFile)} does not exist yet; the pod will not start without it (see README, Secrets)`);
  }
  const unit = unitKind === 'quadlet' ? plan.quadletUnit : plan.unit;
  const stops = retired.flatMap((r) => (r.stop ? [r.stop] : []));
  out.push(
    '',
    'Then run:',
    ...(stops.length ? [`  systemctl stop ${stops.map((u) => `'${u}'`).join(' ')}`] : []),
    '  systemctl daemon-reload',
    `  systemctl ${unitKind === 'quadlet' ? 'start' : 'enable --now'} '${unit}'`,
  );
  if (unitKind === 'quadlet') out.push('  (Quadlet units are enabled by their [Install] section at daemon-reload)');
  return out;
}

/** A file this tool generated (its first line says so). */
function isOurs(path: string): boolean {
  try {
    return readFileSync(path, 'utf8').startsWith('# Generated by opencode-memory-pod');
  } catch {
    return false;
  }
}

function installFiles(
  from: string,
  root: string,
  files: InstallPlan['files'],
  dirs: readonly DataDirState[],
  retired: NonNullable<InstallPlan['retired']>,
): string[] {
  const done: DirStep[] = [];
  const out: string[] = [];
  const time = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const mkdirs = (dir: string) => {
    // Record each folder this install creates, so that undoing removes exactly those.
    const missing: string[] = [];
    for (let d = dir; !existsSync(d); d = dirname(d)) missing.unshift(d);
    for (const d of missing) {
      mkdirSync(d, { mode: 0o755 });
      done.push({ undo: () => rmdirSync(d) });
    }
  };
  try {
    // 1. Every file next to its target: nothing is replaced until all of them could be written.
    const staged = files.map((f) => {
      const target = join(root, f.to);
      mkdirs(dirname(target));
      const tmp = `${target}.omp-new`;
      copyFileSync(join(from, f.from), tmp);
      chmodSync(tmp, f.mode);
      done.push({ undo: () => rmSync(tmp, { force: true }) });
      return { target, tmp };
    });
    // 2. Into place; a different file already there is kept under a backup name.
    for (const { target, tmp } of staged) {
      if (existsSync(target) && readFileSync(target).equals(readFileSync(tmp)) && statSync(target).mode === statSync(tmp).mode) {
        rmSync(tmp);
        out.push(`unchanged ${target}`);
        continue;
      }
      if (existsSync(target)) {
        const backup = `${target}.omp-backup-${time}`;
        renameSync(target, backup);
        done.push({ undo: () => renameSync(backup, target) });
        renameSync(tmp, target);
        done.push({ undo: () => rmSync(target, { force: true }) });
        out.push(`installed ${target} (the previous one is kept as ${backup})`);
      } else {
        renameSync(tmp, target);
        done.push({ undo: () => rmSync(target, { force: true }) });
        out.push(`installed ${target}`);
      }
    }
    // 3. An earlier version's files this one no longer has: aside, under a backup name, like a replaced file.
    for (const r of retired) {
      const target = join(root, r.path);
      const backup = `${target}.omp-backup-${time}`;
      renameSync(target, backup);
      done.push({ undo: () => renameSync(backup, target) });
      out.push(`moved aside ${target}, an earlier version's (kept as ${backup})`);
    }
    for (const d of dirs) out.push(...applyDataDir(d, mkdirs, done));
    return out;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    for (const step of done.reverse()) {
      try {
        step.undo();
      } catch {
        // keep undoing the rest
      }
    }
    throw new InstallIOError(`${err.code ?? 'error'}: ${err.message}; nothing was installed (the host is as it was)`);
  }
}

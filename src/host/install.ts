import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join, posix, relative } from 'node:path';
import { formatVersion, olderThan } from '../lib/podman-version';
import { TARGET_NAMES, TARGETS } from '../lib/targets';
import { InstallPlan } from '../render/podman-files';
import { UnitKind } from '../render/unit-file';
import { applyDataDir, dataDirState, DataDirState, describePlanned } from './data-dirs';
import { oldLayout } from './dir-checks';
import { FileTransaction } from './file-tx';
import { FileChange, InstallChanges, installChanges, RetiredUnit } from './install-changes';
import { podStaleness } from './pod-freshness';
import { describeMissing, missingImages } from './pod-images';
import { receiptContent, receiptPath, sha256 } from './receipt';
import { HostUnits, SystemHost, undoAll, UnitState } from './system-host';

export interface InstallOptions {
  /** dist/ folder written by synth. */
  readonly from: string;
  /** Install under this folder instead of / (packaging, tests, a machine image): no systemctl runs. */
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

/** Installing failed on the host (permissions, disk, a path in the way, a unit that would not stop); the host was put back as it was. */
export class InstallIOError extends Error {}

/** A unit's state now, with what install does about it. */
type Known = RetiredUnit & UnitState;

/**
 * Brings the host to the synthesized pod (the `apply` of a changed configuration as much as a
 * first install). It copies pod.yaml, the units and helpers to their places, removes what an
 * earlier install of this pod wrote that this one does not use (the other unit kind's files, those
 * of an earlier installPath or pod name), creates the data directories, and writes its receipt
 * (receipt.ts). All or nothing: every file is first written next to its target; only when all are
 * written are they renamed into place; a file replaced or removed that is not exactly what an
 * earlier install wrote is kept as `<file>.omp-backup-<time>`; on any failure what was done is
 * undone (InstallIOError).
 *
 * With `host` (a live host: no --root) it also drives systemd: it stops the units of what it
 * removes before their files go (their ExecStop runs those files), stops the pod's unit before
 * changing what it runs and starts it after daemon-reload (a running pod keeps the manifest it was
 * played from until then), and restarts the watchdog when only its files changed. Without `host`
 * it runs no systemctl and prints the lines to run.
 */
export function install(options: InstallOptions, host: SystemHost | undefined, log: (line: string) => void): void {
  const plan = readInstallPlan(options.from);
  const root = options.root ?? '/';
  const changes = installChanges(plan, options.from, root, options.unit ?? 'podman-kube');
  const { unit, unitKind } = changes;
  const dirs = plan.dataDirs.map((d) => dataDirState(d, root));
  const units = host ? new HostUnits(host) : undefined;
  const dry = options.dryRun === true;
  const say = (...lines: string[]) => lines.forEach((l) => log(l));

  // What runs now (asking is read-only: --dry-run asks too).
  const pod: UnitState = units?.state(unit) ?? { active: false, enabled: false };
  const old: Known[] = changes.units.map((u) => ({ ...u, ...(units?.state(u.unit) ?? { active: false, enabled: false }) }));
  const podFilesChanged = changes.files.filter((f) => f.runBy === 'pod' && f.state !== 'unchanged').map((f) => basename(f.file.to));
  const watchdogChanged = changes.files.filter((f) => f.runBy === 'watchdog' && f.state !== 'unchanged').map((f) => basename(f.file.to));
  const oldPodRunning = old.some((u) => u.runsPod && u.active);
  const reasons = !pod.active
    ? []
    : [
        ...(podFilesChanged.length ? [`${podFilesChanged.join(', ')} changed`] : []),
        ...(podFilesChanged.length ? [] : podStaleness(plan.podName, unit, podRunFiles(changes), root, host!)),
        ...(oldPodRunning ? ['another unit ran the pod as well'] : []),
      ];
  const stopFirst = reasons.length > 0;
  const startAfter = stopFirst || oldPodRunning;
  const enableAfter = unitKind === 'podman-kube' && !pod.enabled && old.some((u) => u.runsPod && (u.enabled || u.active));
  const restartWatchdog = pod.active && !stopFirst && watchdogChanged.length > 0;

  // Quadlet came with podman 4.4: on 4.3.1 the old unit would be stopped for a unit that never exists.
  const podman = units && unitKind === 'quadlet' ? units.podmanVersion() : undefined;
  if (podman && olderThan(podman, '4.4.0'))
    throw new Error(`--unit quadlet: podman ${formatVersion(podman)} here has no Quadlet (podman 4.4+); use --unit podman-kube (nothing was changed)`);

  // The unit's start plays pod.yaml: onto an image that is not here it fails, after the pod that ran
  // was stopped. Refused before anything changes (doctor names the same images before install).
  const missing = units ? missingImages(plan, host!) : [];
  if (missing.length) {
    const are = missing.length > 1 ? 'are' : 'is';
    if (startAfter) {
      const why = `${describeMissing(missing)} ${are} not in local storage, and '${unit}' would be ${stopFirst ? 'stopped and started again' : 'started'} with pod.yaml naming it: that start would fail and leave the pod down`;
      if (!dry) throw new InstallIOError(`${why}; get the image first, then install again (nothing was changed: what runs keeps running)`);
      log(`would refuse: ${why}`);
    } else log(`note: ${describeMissing(missing)} ${are} not in local storage: the pod cannot start until it is`);
  }

  if (!dry) {
    const refused = dirs.filter((d) => d.problem).map((d) => d.problem);
    if (refused.length) throw new InstallIOError(`${refused.join('; ')}; nothing was installed (the host is as it was)`);
  }

  // 1. Units that must not run beside this one, and the pod's own unit before what it runs changes.
  const undoUnits: Array<() => void> = [];
  if (units) {
    try {
      for (const u of old) {
        if (u.active) unitStep(units, dry, log, undoUnits, ['stop', u.unit], `stopped '${u.unit}'`, `stop '${u.unit}'`, `: ${u.why}`);
        if (u.disable && u.enabled) unitStep(units, dry, log, undoUnits, ['disable', u.unit], `disabled '${u.unit}'`, `disable '${u.unit}'`, '');
      }
      if (stopFirst)
        unitStep(units, dry, log, undoUnits, ['stop', unit], `stopped '${unit}'`, `stop '${unit}'`, ` to change what it runs (${reasons.join('; ')})`);
    } catch (e) {
      undoAll(undoUnits, log);
      const stop = old.map((u) => `systemctl ${u.disable ? 'disable --now' : 'stop'} '${u.unit}'`).join('; ');
      throw new InstallIOError(
        `${(e as Error).message}; nothing was installed (the host is as it was)${stop ? `; stop it yourself (${stop}), then install again` : ''}`,
      );
    }
  }

  // 2. The files, all or nothing.
  if (dry) {
    for (const f of changes.files) log(describeFile(f, true));
    for (const r of changes.retire) log(describeRetire(r.target, r.how, r.why, true));
    if (!units) for (const l of staleLinks(root, changes.units)) log(`would remove ${l.link} (${l.unit} enabled; this install replaces it)`);
    for (const d of dirs) log(describePlanned(d));
  } else {
    try {
      for (const line of installFiles(options.from, root, plan, changes, dirs, !units)) log(line);
    } catch (e) {
      undoAll(undoUnits, log);
      const err = e as NodeJS.ErrnoException;
      throw new InstallIOError(`${err.code ?? 'error'}: ${err.message}; nothing was installed (the host is as it was)`);
    }
  }
  for (const n of changes.notes) log(n);
  for (const d of plan.dataDirs) {
    const layout = d.service === 'opencode' ? oldLayout(join(root, d.path)) : undefined;
    if (layout) log(`note: ${layout.message}; ${layout.fix}`);
  }
  for (const ws of plan.workspaces ?? []) {
    const at = join(root, ws.path);
    log(
      existsSync(at)
        ? `workspace ${at} (${ws.field}) exists; ${ws.service} works there as ${ws.runAs}`
        : `note: workspace ${at} (${ws.field}) does not exist; the pod will not start until it does (create it as the user who owns the code, e.g. mkdir -p ${ws.path})`,
    );
  }
  if (!existsSync(join(root, plan.envFile))) {
    log(`note: ${join(root, plan.envFile)} does not exist yet; the pod will not start without it (see README, Secrets)`);
  }

  const changed = changes.files.filter((f) => f.state !== 'unchanged').length;
  const counts = `${changed} file(s) ${dry ? 'to change' : 'changed'}, ${changes.retire.length} ${dry ? 'to remove' : 'removed'}`;
  if (!units) {
    // Staging (--root), or no systemd here: the lines to run on the host.
    const stops = changes.units.map((u) => `  systemctl stop '${u.unit}'`);
    const disables = changes.units.filter((u) => u.disable).map((u) => `  systemctl disable '${u.unit}'`);
    const start = unitKind === 'quadlet' ? 'start' : 'enable --now';
    say(
      '',
      `summary: ${counts}; ${host === undefined && root !== '/' ? 'staged under --root: no unit was touched' : 'no unit was touched'}`,
      '',
      'Then run:',
      ...stops,
      ...disables,
      ...changes.networks.map((n) => `  podman network rm ${n}`),
      '  systemctl daemon-reload',
      `  systemctl ${start} '${unit}'`,
      `  (a unit that runs already keeps the files it started with: on the host itself, install without --root stops it before they change and starts it after)`,
    );
    if (unitKind === 'quadlet') log('  (Quadlet units are enabled by their [Install] section at daemon-reload)');
    return;
  }

  // 3. After the files: systemd reads them, the old pod's network goes, the pod's unit starts again.
  try {
    for (const n of changes.networks)
      log(dry ? `would remove podman network ${n} (if pod-network.sh made it)` : (units.removeNetwork(n) ?? `no podman network ${n}`));
    // Nothing to read again when no file changed (an install run twice changes nothing).
    if (changed || changes.retire.length || stopFirst || startAfter)
      unitStep(units, dry, log, [], ['daemon-reload'], 'reloaded systemd (systemctl daemon-reload)', 'reload systemd (systemctl daemon-reload)', '');
    if (!dry) for (const line of changes.units.flatMap((u) => units.resetFailed(u.unit) ?? [])) log(line);
    if (enableAfter) unitStep(units, dry, log, [], ['enable', unit], `enabled '${unit}'`, `enable '${unit}'`, '');
    if (startAfter) unitStep(units, dry, log, [], ['start', unit], `started '${unit}'`, `start '${unit}'`, ': every container is healthy');
    else if (restartWatchdog)
      unitStep(
        units,
        dry,
        log,
        [],
        ['restart', changes.watchdogUnit],
        `restarted '${changes.watchdogUnit}'`,
        `restart '${changes.watchdogUnit}'`,
        ` (${watchdogChanged.join(', ')} changed)`,
      );
  } catch (e) {
    throw new InstallIOError(
      `${(e as Error).message}; the files are installed (journalctl -u '${unit}' says why it did not start; install the previous dist/ to go back)`,
    );
  }
  const what = stopFirst
    ? `restarted '${unit}' (${reasons.join('; ')})`
    : startAfter
      ? `started '${unit}' in place of ${old
          .filter((u) => u.runsPod && u.active)
          .map((u) => `'${u.unit}'`)
          .join(', ')}`
      : pod.active
        ? `'${unit}' runs the installed files: not restarted${restartWatchdog ? ` (its watchdog was)` : ''}`
        : `'${unit}' is not running${pod.state && pod.state !== 'inactive' ? ` (${pod.state})` : ''}`;
  say('', `summary: ${counts}; ${dry ? `would: ${what}` : what}`);
  if (!pod.active && !startAfter) {
    say('', 'Then run:', `  systemctl ${unitKind === 'quadlet' ? 'start' : 'enable --now'} '${unit}'`);
    if (unitKind === 'quadlet') log('  (Quadlet units are enabled by their [Install] section at daemon-reload)');
  }
}

/** The files the pod's unit runs as installed now (for the staleness check). */
function podRunFiles(changes: InstallChanges): Array<{ path: string }> {
  return changes.files.filter((f) => f.runBy === 'pod').map((f) => ({ path: f.file.to }));
}

/** One systemctl call, printed with its time; recorded with its undo (stop -> start, disable -> enable). */
function unitStep(
  units: HostUnits,
  dry: boolean,
  log: (line: string) => void,
  undo: Array<() => void>,
  args: string[],
  done: string,
  planned: string,
  why: string,
): void {
  if (dry) {
    log(`would ${planned}${why}`);
    return;
  }
  const seconds = units.systemctl(...args);
  log(`${done} (${seconds.toFixed(1)} s)${why}`);
  const [verb, unit] = args;
  if (verb === 'stop')
    undo.push(() => {
      units.systemctl('start', unit);
      log(`started '${unit}' again`);
    });
  if (verb === 'disable')
    undo.push(() => {
      units.systemctl('enable', unit);
      log(`enabled '${unit}' again`);
    });
}

function describeFile(f: FileChange, dry: boolean): string {
  switch (f.state) {
    case 'new':
      return dry ? `would install ${f.target}` : `installed ${f.target}`;
    case 'unchanged':
      return `unchanged ${f.target}`;
    case 'update':
      return dry ? `would update ${f.target}` : `updated ${f.target}`;
    case 'replace':
      return dry ? `would install ${f.target} (the file there differs from what install wrote: it is kept as a backup)` : `installed ${f.target}`;
  }
}

function describeRetire(target: string, how: 'remove' | 'aside', why: string, dry: boolean, backup?: string): string {
  if (how === 'remove') return dry ? `would remove ${target} (${why})` : `removed ${target} (${why})`;
  return dry ? `would move aside ${target} (${why})` : `moved aside ${target}, ${why} (kept as ${backup})`;
}

/** Links that enable a unit this install replaces (`<root>/etc/systemd/system/*.wants/<unit>`): staging has no systemctl disable. */
function staleLinks(root: string, units: readonly RetiredUnit[]): Array<{ link: string; unit: string }> {
  const base = join(root, 'etc/systemd/system');
  if (!existsSync(base)) return [];
  const found: Array<{ link: string; unit: string }> = [];
  for (const dir of readdirSync(base).filter((d) => d.endsWith('.wants') || d.endsWith('.requires'))) {
    for (const u of units.filter((x) => x.disable)) {
      const link = join(base, dir, u.unit);
      try {
        if (lstatSync(link).isSymbolicLink()) found.push({ link, unit: u.unit });
      } catch {
        // not enabled there
      }
    }
  }
  return found;
}

function installFiles(from: string, root: string, plan: InstallPlan, changes: InstallChanges, dirs: readonly DataDirState[], staging: boolean): string[] {
  const tx = new FileTransaction(new Date());
  const out: string[] = [];
  try {
    // 1. Every file next to its target: nothing is replaced until all of them could be written.
    const staged = changes.files
      .filter((f) => f.state !== 'unchanged')
      .map((f) => ({ f, tmp: tx.stage(f.target, { from: join(from, f.file.from) }, f.file.mode) }));
    const own = join(root, receiptPath(plan.podName));
    tx.mkdirs(posix.dirname(own));
    const madeForFiles = tx.createdDirs.flatMap((d) => hostPathOf(root, d) ?? []);
    // 2. Into place; a file there that is not exactly what an earlier install wrote is kept under a backup name.
    const backups: string[] = [];
    for (const f of changes.files) {
      const s = staged.find((x) => x.f === f);
      if (!s) {
        out.push(describeFile(f, false));
        continue;
      }
      const backup = tx.place(s.tmp, f.target, f.state === 'replace');
      if (backup) backups.push(backup);
      out.push(backup ? `installed ${f.target} (the previous one is kept as ${backup})` : describeFile(f, false));
    }
    // 3. What an earlier install wrote that this one does not use.
    for (const r of changes.retire) {
      if (r.how === 'remove') tx.remove(r.target);
      const backup = r.how === 'aside' ? tx.moveAside(r.target) : undefined;
      if (backup) backups.push(backup);
      out.push(describeRetire(r.target, r.how, r.why, false, backup));
    }
    // Folders left empty that an earlier install made (or the drop-in folder of a unit it replaced), deepest first.
    const madeBefore = new Set(changes.earlier.flatMap(({ receipt }) => receipt.dirs));
    const emptied = [...new Set(changes.retire.map((r) => posix.dirname(r.path)))].filter((d) => madeBefore.has(d) || isDropInDir(d));
    if (staging)
      for (const l of staleLinks(root, changes.units)) {
        tx.remove(l.link);
        out.push(`removed ${l.link} (${l.unit} was enabled; this install replaces it)`);
      }
    // 4. The receipt, then the receipts of installs this one replaced.
    const keptDirs = changes.earlier.flatMap(({ receipt }) => receipt.dirs).filter((d) => existsSync(join(root, d)));
    const keptBackups = changes.earlier.flatMap(({ receipt }) => receipt.backups ?? []).filter((b) => existsSync(join(root, b)));
    const content = receiptContent(
      {
        podName: plan.podName,
        unitKind: changes.unitKind,
        unit: changes.unit,
        watchdogUnit: changes.watchdogUnit,
        network: changes.network,
        files: changes.files.map((f) => ({ path: f.file.to, sha256: sha256(readFileSync(join(from, f.file.from))), mode: f.file.mode, runBy: f.runBy })),
        dirs: [...new Set([...keptDirs, ...madeForFiles])],
        backups: [...new Set([...keptBackups, ...backups.flatMap((b) => hostPathOf(root, b) ?? [])])],
        dataDirs: plan.dataDirs.map((d) => d.path),
        images: (plan.images ?? []).map((i) => i.image),
      },
      new Date(),
    );
    tx.place(tx.stage(own, { content }, 0o644), own, false);
    for (const { at } of changes.earlier) if (at !== own) tx.remove(at);
    for (const d of dirs) out.push(...applyDataDir(d, tx.mkdirs, tx.done));
    const { left, pruned } = tx.commit(emptied.map((d) => join(root, d)));
    for (const d of pruned) out.push(`removed empty folder ${d}`);
    for (const l of left) out.push(`note: could not delete ${l} (set aside for removal); delete it yourself`);
    return out;
  } catch (e) {
    tx.rollback();
    throw e;
  }
}

/** The host path of a path under the root (undefined for the root itself or outside it). */
export function hostPathOf(root: string, path: string): string | undefined {
  const rel = relative(root, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? `/${rel}` : undefined;
}

/** `/etc/systemd/system/<unit>.d`: the folder of a drop-in, ours to remove once empty. */
export function isDropInDir(dir: string): boolean {
  return posix.dirname(dir) === '/etc/systemd/system' && /^podman-kube@.*\.service\.d$/.test(posix.basename(dir));
}

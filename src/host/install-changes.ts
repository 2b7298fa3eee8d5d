import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, posix } from 'node:path';
import type { InstallPlan } from '../render/podman-files';
import type { RunBy, UnitKind } from '../render/unit-file';
import { fileSha256, FoundReceipt, isGenerated, readReceipts, Receipt } from './receipt';

export type PlanFile = InstallPlan['files'][number];

/** One file of this install: what happens to what is at its place now. */
export interface FileChange {
  readonly file: PlanFile;
  /** Under the root. */
  readonly target: string;
  /**
   * new: nothing there; unchanged: the same bytes and mode; update: what an earlier install wrote
   * (per its receipt), replaced; replace: anything else (edited since, or not ours), kept as a backup.
   */
  readonly state: 'new' | 'unchanged' | 'update' | 'replace';
  readonly runBy: RunBy;
}

/** A file an earlier install wrote that this one does not: removed, or (changed since, or of an install without a receipt) moved aside. */
export interface Retirement {
  /** Host path (without the root) and under the root. */
  readonly path: string;
  readonly target: string;
  readonly how: 'remove' | 'aside';
  readonly why: string;
}

/** A unit of an earlier install that must not run beside this one. */
export interface RetiredUnit {
  readonly unit: string;
  /** podman-kube@ instances are enabled by a link (systemctl disable); a Quadlet unit goes with its file. */
  readonly disable: boolean;
  /** It plays the pod (not a watchdog or timer): when it ran, this install's unit starts in its place. */
  readonly runsPod: boolean;
  readonly why: string;
}

/** Everything install changes besides the data directories, judged before anything is done. */
export interface InstallChanges {
  readonly unitKind: UnitKind;
  readonly unit: string;
  readonly watchdogUnit: string;
  readonly network: string;
  readonly files: readonly FileChange[];
  readonly retire: readonly Retirement[];
  readonly units: readonly RetiredUnit[];
  /** podman networks of an earlier pod name. */
  readonly networks: readonly string[];
  /** Receipts this install replaces: its own pod's, and those of installs it moves (their files overlap). */
  readonly earlier: readonly FoundReceipt[];
  /** Lines to print that are not changes (data directories no longer used, files left). */
  readonly notes: readonly string[];
}

/** The watchdog's unit of a plan (install.json of before issue 21 did not name it). */
export function watchdogUnitOf(plan: InstallPlan): string {
  return plan.watchdogUnit ?? `${plan.podName}-watchdog.service`;
}

export function unitOf(plan: InstallPlan, kind: UnitKind): string {
  return kind === 'quadlet' ? plan.quadletUnit : plan.unit;
}

/**
 * What installing `plan` with `unitKind` under `root` changes. An earlier install is known by its
 * receipt (receipt.ts): the one of this pod, and any other whose files lie where this one's go (the
 * pod was renamed). An install made before receipts existed is known by the generated header of
 * the files at the paths this plan names; a file without it is never touched.
 */
export function installChanges(plan: InstallPlan, from: string, root: string, unitKind: UnitKind): InstallChanges {
  const files = plan.files.filter((f) => !f.unitKind || f.unitKind === unitKind); // both kinds would run the pod twice
  const paths = new Set(files.map((f) => f.to));
  const unit = unitOf(plan, unitKind);
  const watchdogUnit = watchdogUnitOf(plan);
  const network = plan.network ?? plan.podName;
  const receipts = readReceipts(root);
  const earlier = receipts.filter((r) => r.receipt.podName === plan.podName || r.receipt.files.some((f) => paths.has(f.path)));
  const written = new Map<string, string>(); // path -> sha256 an earlier install wrote there
  for (const { receipt } of earlier) for (const f of receipt.files) written.set(f.path, f.sha256);

  const changes: FileChange[] = files.map((file) => {
    const target = join(root, file.to);
    const runBy = file.runBy ?? 'pod';
    if (!existsSync(target)) return { file, target, state: 'new', runBy };
    const source = join(from, file.from);
    const same = readFileSync(target).equals(readFileSync(source)) && (statSync(target).mode & 0o7777) === file.mode;
    if (same) return { file, target, state: 'unchanged', runBy };
    const sha = written.get(file.to);
    return { file, target, state: sha !== undefined && sha === fileSha256(target) ? 'update' : 'replace', runBy };
  });

  const retire: Retirement[] = [];
  const units: RetiredUnit[] = [];
  const networks: string[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  const addRetire = (path: string, how: Retirement['how'], why: string) => {
    if (paths.has(path) || seen.has(path)) return;
    seen.add(path);
    retire.push({ path, target: join(root, path), how, why });
  };
  const addUnit = (u: RetiredUnit) => {
    if (u.unit !== unit && u.unit !== watchdogUnit && !units.some((x) => x.unit === u.unit)) units.push(u);
  };

  for (const { receipt } of earlier) {
    const what = describeEarlier(receipt, plan.podName, unitKind);
    for (const f of receipt.files) {
      const target = join(root, f.path);
      if (paths.has(f.path) || !existsSync(target)) continue;
      addRetire(f.path, fileSha256(target) === f.sha256 ? 'remove' : 'aside', what);
    }
    addUnit({ unit: receipt.unit, disable: receipt.unitKind === 'podman-kube', runsPod: true, why: what });
    addUnit({ unit: receipt.watchdogUnit, disable: false, runsPod: false, why: what });
    if (receipt.network !== network && !networks.includes(receipt.network)) networks.push(receipt.network);
    const dataDirs = new Set(plan.dataDirs.map((d) => d.path));
    for (const d of receipt.dataDirs)
      if (!dataDirs.has(d)) notes.push(`note: data directory ${join(root, d)} (${what}) is not used by this install; it is kept`);
  }

  // An upgrade leaves the images of the version before: kept, since going back starts from them;
  // the rmi line names none that another installed pod runs.
  const others = receipts.filter((r) => !earlier.includes(r));
  const running = new Set([...(plan.images ?? []).map((i) => i.image), ...others.flatMap(({ receipt }) => receipt.images ?? [])]);
  const dropped = [...new Set(earlier.flatMap(({ receipt }) => receipt.images ?? []))].filter((i) => !running.has(i));
  if (dropped.length)
    notes.push(
      `note: this install no longer runs ${dropped.join(', ')} (the pod before it did): kept in podman's storage, to go back to; once not needed (doctor names the images nothing uses): podman rmi ${dropped.join(' ')}`,
    );

  // Another pod (name and every path differ): it may be meant to stay, or be this pod before both changed.
  for (const { receipt } of others)
    notes.push(
      `note: pod ${receipt.podName} is installed here too ('${receipt.unit}'); if this install replaces it, remove it: opencode-memory-pod uninstall --pod ${receipt.podName}`,
    );

  if (!earlier.length) legacyInstall(plan, from, root, unitKind, paths, { addRetire, addUnit, networks });

  // Files an earlier version installed that this one no longer has (the watchdog's timer).
  for (const r of plan.retired ?? []) {
    if (!isGenerated(join(root, r.path))) continue; // only what we wrote: a file of that name that is not ours is left alone
    addRetire(r.path, 'aside', "an earlier version's");
    if (r.stop) addUnit({ unit: r.stop, disable: false, runsPod: false, why: "an earlier version's" });
  }
  return { unitKind, unit, watchdogUnit, network, files: changes, retire, units, networks, earlier, notes };
}

function describeEarlier(r: Receipt, podName: string, kind: UnitKind): string {
  if (r.podName !== podName) return `the earlier install of pod ${r.podName}, whose files lie where this one's go`;
  if (r.unitKind !== kind) return `the ${r.unitKind} unit's, replaced by the ${kind} unit`;
  return "an earlier install's, which this one does not use";
}

/**
 * An install of a version without receipts: the other unit kind's files at the paths this plan
 * names, when generated by us (removed when they are exactly what dist/ holds for that path, else
 * moved aside), and the watchdog of an earlier pod name that the installed unit file names.
 */
function legacyInstall(
  plan: InstallPlan,
  from: string,
  root: string,
  unitKind: UnitKind,
  paths: ReadonlySet<string>,
  add: {
    addRetire: (path: string, how: Retirement['how'], why: string) => void;
    addUnit: (u: RetiredUnit) => void;
    networks: string[];
  },
): void {
  const other: UnitKind = unitKind === 'quadlet' ? 'podman-kube' : 'quadlet';
  let otherFound = false;
  for (const f of plan.files) {
    const target = join(root, f.to);
    if (f.unitKind !== other || paths.has(f.to) || !isGenerated(target)) continue;
    const same = existsSync(join(from, f.from)) && readFileSync(target).equals(readFileSync(join(from, f.from)));
    add.addRetire(f.to, same ? 'remove' : 'aside', `the ${other} unit's (an install without a receipt), replaced by the ${unitKind} unit`);
    otherFound = true;
  }
  if (otherFound)
    add.addUnit({ unit: unitOf(plan, other), disable: other === 'podman-kube', runsPod: true, why: `the ${other} unit, replaced by the ${unitKind} unit` });
  // A renamed pod: the unit file installed now (either kind) still names the earlier pod's watchdog.
  const watchdog = watchdogUnitOf(plan);
  for (const f of plan.files) {
    if (!f.unitKind || !/\.(kube|conf)$/.test(f.to) || !isGenerated(join(root, f.to))) continue;
    const named = /^Wants=(\S+-watchdog\.service)$/m.exec(readFileSync(join(root, f.to), 'utf8'))?.[1];
    if (!named || named === watchdog) continue;
    const path = posix.join('/etc/systemd/system', named);
    const oldPod = basename(named, '-watchdog.service');
    if (isGenerated(join(root, path)))
      add.addRetire(path, 'aside', `the watchdog of pod ${oldPod}, an earlier name of this pod (an install without a receipt)`);
    add.addUnit({ unit: named, disable: false, runsPod: false, why: `the watchdog of pod ${oldPod}` });
    if (!add.networks.includes(oldPod) && oldPod !== (plan.network ?? plan.podName)) add.networks.push(oldPod);
  }
}

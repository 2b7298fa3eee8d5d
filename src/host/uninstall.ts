import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { UnitKind } from '../render/unit-file';
import { pathProblem } from './data-dirs';
import { FileTransaction } from './file-tx';
import { isDropInDir, InstallIOError, readInstallPlan } from './install';
import { unitOf, watchdogUnitOf } from './install-changes';
import { fileSha256, isGenerated, readReceipts, RECEIPT_DIR } from './receipt';
import { HostUnits, SystemHost, undoAll } from './system-host';

export interface UninstallOptions {
  /** Uninstall under this folder instead of / (no systemctl runs). */
  readonly root?: string;
  /** dist/ of an install made before receipts existed (its install.json names the paths). */
  readonly from?: string;
  /** Which pod, when several are installed. */
  readonly pod?: string;
  readonly dryRun?: boolean;
  /** Delete the data directories too (only with `yes`). */
  readonly purge?: boolean;
  readonly yes?: boolean;
}

/** Refused before anything was changed: a bad option, or --purge without --yes (exit 2). */
export class UninstallRefused extends Error {}

/** What one install left on the host, from its receipt or (before receipts) from dist/install.json and the generated headers. */
interface Installed {
  readonly podName: string;
  readonly units: ReadonlyArray<{ readonly unit: string; readonly kind: UnitKind }>;
  readonly watchdogUnit: string;
  readonly network: string;
  /** sha256 undefined: an install without a receipt; the generated header makes it ours. */
  readonly files: ReadonlyArray<{ readonly path: string; readonly sha256?: string }>;
  readonly dirs: readonly string[];
  readonly backups: readonly string[];
  readonly dataDirs: readonly string[];
  readonly images: readonly string[];
  /** Under the root; undefined without a receipt. */
  readonly receiptAt?: string;
}

/**
 * Removes one install: stops (and disables) its units, removes every file it wrote and nothing
 * else (a file changed since is left, and named), its receipt, the folders it made once empty and,
 * on a live host, the pod's podman network; systemd reads the units again. The data directories
 * stay unless `purge` (with `yes`: without, it names them and what they hold, and changes nothing).
 * All or nothing like install: files are renamed away first and deleted only when every step worked.
 */
export function uninstall(options: UninstallOptions, host: SystemHost | undefined, log: (line: string) => void): void {
  const root = options.root ?? '/';
  if (options.root !== undefined && !existsSync(root)) throw new UninstallRefused(`--root ${options.root}: no such folder`);
  if (options.yes && !options.purge) throw new UninstallRefused('--yes only confirms --purge (deleting the data directories); uninstall alone asks nothing');
  const it = findInstall(root, options);
  if (!it) {
    log(
      `nothing to uninstall: no receipt in ${join(root, RECEIPT_DIR)} and no file of opencode-memory-pod at the paths ${join(options.from ?? 'dist', 'install.json')} names`,
    );
    return;
  }
  const dry = options.dryRun === true;
  const units = host ? new HostUnits(host) : undefined;

  const remove: string[] = [];
  const left: string[] = [];
  for (const f of it.files) {
    const at = join(root, f.path);
    if (!existsSync(at)) continue;
    const ours = f.sha256 === undefined ? isGenerated(at) : fileSha256(at) === f.sha256;
    (ours ? remove : left).push(f.path);
  }
  const data = it.dataDirs.map((d) => ({ path: d, at: join(root, d) })).filter((d) => existsSync(d.at));
  if (options.purge) {
    const problems = data.flatMap((d) => pathProblem(d.at, lstatSync(d.at), root === '/') ?? []);
    if (problems.length) throw new UninstallRefused(`--purge: ${problems.join('; ')}; nothing was changed`);
  }
  if (options.purge && !options.yes && !dry) {
    log(`uninstall --purge would delete the data directories of pod ${it.podName}, with everything in them:`);
    for (const d of data) log(`  ${d.at} (${describeSize(d.at)})`);
    if (!data.length) log('  (none of them exists)');
    throw new UninstallRefused(`--purge deletes those for good: add --yes to do it; nothing was changed`);
  }

  // 1. The units, while the files their ExecStop runs are still there.
  const states = units
    ? [...it.units.map((u) => ({ ...u, ...units.state(u.unit) })), { unit: it.watchdogUnit, kind: undefined, ...units.state(it.watchdogUnit) }]
    : [];
  const undo: Array<() => void> = [];
  try {
    for (const u of states) {
      if (u.active) step(units!, dry, log, undo, 'stop', u.unit);
      if (u.kind === 'podman-kube' && u.enabled) step(units!, dry, log, undo, 'disable', u.unit);
    }
  } catch (e) {
    undoAll(undo, log);
    throw new InstallIOError(`${(e as Error).message}; nothing was uninstalled (the host is as it was)`);
  }

  // 2. The files, the receipt, the folders, and with --purge --yes the data; all or nothing.
  const links = units
    ? []
    : enableLinks(
        root,
        it.units.filter((u) => u.kind === 'podman-kube').map((u) => u.unit),
      );
  const emptied = [...new Set([...it.dirs, ...remove.map((p) => posix.dirname(p)).filter(isDropInDir)])].sort((a, b) => b.length - a.length);
  if (dry) {
    for (const p of remove) log(`would remove ${join(root, p)}`);
    for (const l of links) log(`would remove ${l} (enables ${posix.basename(l)})`);
    if (it.receiptAt) log(`would remove ${it.receiptAt} (the receipt)`);
    for (const d of options.purge ? data : []) log(`would delete data directory ${d.at} (${describeSize(d.at)})`);
  } else {
    const tx = new FileTransaction(new Date());
    try {
      for (const p of remove) {
        tx.remove(join(root, p));
        log(`removed ${join(root, p)}`);
      }
      for (const l of links) {
        tx.remove(l);
        log(`removed ${l} (enabled ${posix.basename(l)})`);
      }
      if (it.receiptAt) {
        tx.remove(it.receiptAt);
        log(`removed ${it.receiptAt} (the receipt)`);
      }
      for (const d of options.purge ? data : []) {
        const size = describeSize(d.at);
        tx.remove(d.at);
        log(`deleted data directory ${d.at} (${size})`);
      }
    } catch (e) {
      tx.rollback();
      undoAll(undo, log);
      const err = e as NodeJS.ErrnoException;
      throw new InstallIOError(`${err.code ?? 'error'}: ${err.message}; nothing was uninstalled (the host is as it was)`);
    }
    // Folders install made, once empty, and the receipts' own folders (ours by name).
    const { left: stuck, pruned } = tx.commit([...emptied, RECEIPT_DIR, posix.dirname(RECEIPT_DIR)].map((d) => join(root, d)));
    for (const d of pruned) log(`removed empty folder ${d}`);
    for (const l of stuck) log(`note: could not delete ${l} (set aside for removal); delete it yourself`);
  }
  for (const p of left) log(`left ${join(root, p)}: changed since install wrote it; remove it yourself if it is not wanted: rm '${join(root, p)}'`);

  // 3. systemd forgets the units; the pod's own network goes.
  if (units) {
    try {
      step(units, dry, log, [], 'daemon-reload');
    } catch (e) {
      throw new InstallIOError(`${(e as Error).message}; the files are removed: run systemctl daemon-reload`);
    }
    if (!dry) for (const line of [...it.units.map((x) => x.unit), it.watchdogUnit].flatMap((u) => units.resetFailed(u) ?? [])) log(line);
    if (dry) log(`would remove podman network ${it.network} (if pod-network.sh made it)`);
    else {
      const net = units.removeNetwork(it.network);
      if (net) log(net);
    }
    if (!dry && host!.run('podman', ['pod', 'exists', it.podName])?.status === 0)
      log(`note: a pod ${it.podName} still exists (not one the unit ran): podman pod stop ${it.podName} && podman pod rm ${it.podName}`);
  }

  for (const b of it.backups.filter((b) => existsSync(join(root, b)))) log(`kept ${join(root, b)} (a file install replaced; yours to keep or delete)`);
  if (!options.purge) for (const d of data) log(`kept data directory ${d.at} (uninstall --purge --yes deletes it)`);
  if (it.images.length) log(`note: the images stay in podman's storage: podman rmi ${it.images.join(' ')} (when no other pod uses them)`);
  const dataWord = options.purge ? `data directories ${dry ? 'to delete' : 'deleted'}: ${data.length}` : `data directories kept: ${data.length}`;
  log('');
  log(
    `summary: ${dry ? 'would uninstall' : 'uninstalled'} pod ${it.podName}: ${remove.length} file(s) ${dry ? 'to remove' : 'removed'}, ${left.length} left (changed since install); ${dataWord}${units ? '' : '; no unit was touched (no systemctl here)'}`,
  );
  if (!units) {
    const stop = it.units.map((u) => `  systemctl ${u.kind === 'podman-kube' ? 'disable --now' : 'stop'} '${u.unit}'`);
    log('');
    log('Then run (on the host whose root this is):');
    for (const l of [...stop, `  systemctl stop '${it.watchdogUnit}'`, '  systemctl daemon-reload', `  podman network rm ${it.network}`]) log(l);
  }
}

function findInstall(root: string, options: UninstallOptions): Installed | undefined {
  const receipts = readReceipts(root);
  const pick = options.pod ? receipts.find((r) => r.receipt.podName === options.pod) : receipts.length === 1 ? receipts[0] : undefined;
  if (!pick && !options.pod && receipts.length > 1)
    throw new UninstallRefused(`several pods are installed here (${receipts.map((r) => r.receipt.podName).join(', ')}): name one with --pod`);
  if (pick) {
    const r = pick.receipt;
    return {
      podName: r.podName,
      units: [{ unit: r.unit, kind: r.unitKind }],
      watchdogUnit: r.watchdogUnit,
      network: r.network,
      files: r.files,
      dirs: r.dirs ?? [],
      backups: r.backups ?? [],
      dataDirs: r.dataDirs ?? [],
      images: r.images ?? [],
      receiptAt: pick.at,
    };
  }
  // Before receipts: the paths dist/install.json names, where a file of ours (generated header) is.
  const from = options.from ?? 'dist';
  if (!existsSync(join(from, 'install.json'))) {
    if (options.pod)
      throw new UninstallRefused(
        `--pod ${options.pod}: no install of that pod here (receipts: ${receipts.map((r) => r.receipt.podName).join(', ') || 'none'}; no ${join(from, 'install.json')})`,
      );
    return undefined;
  }
  const plan = readInstallPlan(from);
  if (options.pod && plan.podName !== options.pod)
    throw new UninstallRefused(
      `--pod ${options.pod}: no install of that pod here (receipts: ${receipts.map((r) => r.receipt.podName).join(', ') || 'none'}; ${join(from, 'install.json')} is for pod ${plan.podName})`,
    );
  const paths = [...plan.files.map((f) => f.to), ...(plan.retired ?? []).map((r) => r.path)];
  const files = [...new Set(paths)].filter((p) => isGenerated(join(root, p))).map((path) => ({ path }));
  if (!files.length) return undefined;
  const kinds = (['podman-kube', 'quadlet'] as const).filter((k) =>
    plan.files.some((f) => f.unitKind === k && /\.(conf|kube)$/.test(f.to) && files.some((x) => x.path === f.to)),
  );
  return {
    podName: plan.podName,
    units: kinds.map((kind) => ({ unit: unitOf(plan, kind), kind })),
    watchdogUnit: watchdogUnitOf(plan),
    network: plan.network ?? plan.podName,
    files,
    dirs: [],
    backups: [],
    dataDirs: plan.dataDirs.map((d) => d.path),
    images: (plan.images ?? []).map((i) => i.image),
  };
}

/** `<root>/etc/systemd/system/*.wants/<unit>` links: what `systemctl disable` removes, done by hand under --root. */
function enableLinks(root: string, unitNames: readonly string[]): string[] {
  const base = join(root, 'etc/systemd/system');
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .filter((d) => d.endsWith('.wants') || d.endsWith('.requires'))
    .flatMap((d) => unitNames.map((u) => join(base, d, u)))
    .filter((l) => {
      try {
        return lstatSync(l).isSymbolicLink();
      } catch {
        return false;
      }
    });
}

function step(units: HostUnits, dry: boolean, log: (line: string) => void, undo: Array<() => void>, verb: string, unit?: string): void {
  const args = unit ? [verb, unit] : [verb];
  const name = unit ? `'${unit}'` : 'systemd (systemctl daemon-reload)';
  const past: Record<string, string> = { stop: 'stopped', disable: 'disabled', 'daemon-reload': 'reloaded' };
  const present: Record<string, string> = { stop: 'stop', disable: 'disable', 'daemon-reload': 'reload' };
  if (dry) {
    log(`would ${present[verb]} ${name}`);
    return;
  }
  const seconds = units.systemctl(...args);
  log(`${past[verb]} ${name} (${seconds.toFixed(1)} s)`);
  if (verb === 'stop' && unit) undo.push(() => (units.systemctl('start', unit), log(`started '${unit}' again`)));
  if (verb === 'disable' && unit) undo.push(() => (units.systemctl('enable', unit), log(`enabled '${unit}' again`)));
}

/** "N files, M MB" of everything below a folder (links not followed). */
function describeSize(dir: string): string {
  let files = 0;
  let bytes = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        files++;
        bytes += lstatSync(p).size;
      }
    }
  };
  try {
    walk(dir);
  } catch {
    return 'unreadable';
  }
  return `${files} file(s), ${bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`}`;
}

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { InstallPlan } from '../render/podman-files';
import type { UnitKind } from '../render/unit-file';
import type { Check } from './check';
import type { DoctorHost } from './doctor-host';
import { isGenerated, readReceiptsQuiet, ReceiptFile } from './receipt';

/**
 * Why the running pod does not run what is installed, or [] when it does (or there is no pod):
 * a file its unit runs changed after podman created the pod (every start of the unit plays a new
 * pod), or systemd has not read the unit's changed files yet. `enable --now` and daemon-reload
 * alone change neither: only a restart of the unit does.
 */
export function podStaleness(
  podName: string,
  unit: string | undefined,
  files: ReadonlyArray<{ readonly path: string }>,
  root: string,
  host: DoctorHost,
): string[] {
  const created = podCreated(podName, host);
  if (created === undefined) return [];
  // Seconds: podman gives the pod's creation in whole seconds (a file written in the same second counts as older).
  const newer = files.filter((f) => existsSync(join(root, f.path)) && Math.floor(statSync(join(root, f.path)).mtimeMs / 1000) > created).map((f) => f.path);
  const reasons = newer.length ? [`${newer.join(', ')} changed after the pod was created (${new Date(created * 1000).toISOString()})`] : [];
  if (unit && host.systemdRunning() && host.run('systemctl', ['show', '-p', 'NeedDaemonReload', '--value', unit])?.stdout.trim() === 'yes')
    reasons.push(`systemd has not read the changed unit files of ${unit} yet`);
  return reasons;
}

/** Unix seconds podman created the pod at, or undefined when there is no such pod. */
function podCreated(podName: string, host: DoctorHost): number | undefined {
  const r = host.run('podman', ['pod', 'inspect', '--format', '{{.Created.Unix}}', podName]);
  const n = r?.status === 0 ? Number(r.stdout.trim()) : NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Which unit kind is installed here (its unit file is there and ours), from the receipt or the files; both is a problem. */
export function installedKinds(plan: InstallPlan, root = '/'): UnitKind[] {
  const receipt = readReceiptsQuiet(root).find((r) => r.podName === plan.podName);
  const kinds = new Set<UnitKind>(receipt ? [receipt.unitKind] : []);
  for (const f of plan.files) if (f.unitKind && (f.to.endsWith('.kube') || f.to.endsWith('.conf')) && isGenerated(join(root, f.to))) kinds.add(f.unitKind);
  return [...kinds].sort();
}

/** The files the installed pod unit runs: the receipt's, else the plan's for that kind. */
function podFiles(plan: InstallPlan, kind: UnitKind, root: string): ReadonlyArray<Pick<ReceiptFile, 'path'>> {
  const receipt = readReceiptsQuiet(root).find((r) => r.podName === plan.podName && r.unitKind === kind);
  if (receipt) return receipt.files.filter((f) => f.runBy === 'pod');
  return plan.files.filter((f) => (!f.unitKind || f.unitKind === kind) && f.runBy !== 'watchdog').map((f) => ({ path: f.to }));
}

/**
 * doctor: one unit kind installed, and the running pod plays what is installed. Quiet before
 * install (no unit file of ours) and while no pod of this name exists.
 */
export function checkRunningPod(plan: InstallPlan, host: DoctorHost): Check[] {
  const kinds = installedKinds(plan);
  if (kinds.length > 1) {
    return [
      {
        severity: 'error',
        message: `both units are installed for pod ${plan.podName}: '${plan.unit}' (podman-kube@ drop-in) and '${plan.quadletUnit}' (Quadlet); each start of one removes the other's pod`,
        fix: 'opencode-memory-pod install --unit podman-kube (or --unit quadlet): it stops, disables and removes the other',
      },
    ];
  }
  if (!kinds.length) return [];
  const unit = kinds[0] === 'quadlet' ? plan.quadletUnit : plan.unit;
  const reasons = podStaleness(plan.podName, unit, podFiles(plan, kinds[0], '/'), '/', host);
  if (!reasons.length) {
    return host.run('podman', ['pod', 'exists', plan.podName])?.status === 0
      ? [{ severity: 'passed', message: `pod ${plan.podName} runs the installed files (created after they last changed)` }]
      : [];
  }
  return [
    {
      severity: 'error',
      message: `pod ${plan.podName} does not run the installed files: ${reasons.join('; ')}`,
      fix: `opencode-memory-pod install${kinds[0] === 'quadlet' ? ' --unit quadlet' : ''} (restarts the unit when the pod is older than its files), or: systemctl daemon-reload && systemctl restart '${unit}'`,
    },
  ];
}

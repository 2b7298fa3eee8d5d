import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UnitKind } from './render/systemd-units';
import { InstallPlan } from './synth';

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
    if (existsSync(join(from, 'kubernetes'))) {
      throw new Error(`${from}/ holds only the Kubernetes target (install and doctor are for the podman target): synth --target podman, or apply ${from}/kubernetes/ with kubectl`);
    }
    throw new Error(`${path} not found: run \`opencode-memory-pod synth\` (or npm run synth) first`);
  }
  return JSON.parse(readFileSync(path, 'utf8')) as InstallPlan;
}

/** Copies pod.yaml, the units and helpers to their places, creates the data directories, and returns the lines to print. */
export function install(options: InstallOptions): string[] {
  const plan = readInstallPlan(options.from);
  const root = options.root ?? '/';
  const unitKind = options.unit ?? 'podman-kube';
  const out: string[] = [];
  const verb = options.dryRun ? 'would install' : 'installed';

  for (const file of plan.files) {
    if (file.unitKind && file.unitKind !== unitKind) continue; // both kinds would run the pod twice
    const target = join(root, file.to);
    if (!options.dryRun) {
      mkdirSync(dirname(target), { recursive: true });
      // Copy next to the target and rename, so a reader never sees a half-written file.
      const tmp = `${target}.omp-tmp`;
      copyFileSync(join(options.from, file.from), tmp);
      chmodSync(tmp, file.mode);
      renameSync(tmp, target);
    }
    out.push(`${verb} ${target}`);
  }
  for (const dir of plan.dataDirs) {
    const target = join(root, dir);
    if (existsSync(target)) {
      out.push(`data directory ${target} exists (left as it is)`);
      continue;
    }
    if (!options.dryRun) mkdirSync(target, { recursive: true, mode: 0o755 });
    out.push(`${options.dryRun ? 'would create' : 'created'} data directory ${target}`);
  }
  if (!existsSync(join(root, plan.envFile))) {
    out.push(`note: ${join(root, plan.envFile)} does not exist yet; the pod will not start without it (see README, Secrets)`);
  }
  const unit = unitKind === 'quadlet' ? plan.quadletUnit : plan.unit;
  out.push('', 'Then run:', '  systemctl daemon-reload', `  systemctl ${unitKind === 'quadlet' ? 'start' : 'enable --now'} '${unit}'`);
  if (unitKind === 'quadlet') out.push('  (Quadlet units are enabled by their [Install] section at daemon-reload)');
  return out;
}

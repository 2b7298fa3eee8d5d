import { App } from 'cdk8s';
import { isBuiltOpenCodeImage } from '../image/opencode-image';
import { PodModel } from '../model/pod-model';
import type { HostMountSpec, ServiceSpec } from '../model/service';
import { formatUserGroup, ROOT } from '../lib/user-group';
import { hostSecretsDir } from '../model/pod-paths';
import { secretKeyLines } from '../model/secret-key-lines';
import type { GeneratedFile } from './generated-file';
import { PodmanPodChart } from './podman-pod';
import type { TargetRenderer } from './renderer';
import { podmanKubeUnitName, QUADLET_UNIT, renderSystemdUnits } from './systemd-units';
import { UnitKind } from './unit-file';
import { yamlDocuments } from './yaml-documents';

/** What `install` needs to know, written to dist/install.json. */
export interface InstallPlan {
  readonly podName: string;
  readonly envFile: string;
  readonly unit: string;
  readonly quadletUnit: string;
  /** dist-relative path -> absolute host path, with mode. */
  readonly files: ReadonlyArray<{ readonly from: string; readonly to: string; readonly mode: number; readonly unitKind?: UnitKind }>;
  /** Persistent host directories the pod writes to. */
  readonly dataDirs: readonly DataDirPlan[];
  /** The user's directories mounted read-write into a service (never created or re-owned by install). */
  readonly workspaces: ReadonlyArray<{ readonly service: string; readonly path: string; readonly field: string; readonly runAs: string }>;
  /** Env-file keys some service cannot work without. */
  readonly requiredEnvKeys: readonly string[];
  /** Env-file keys (patterns) each container receives, by service, in start order. */
  readonly secretKeys: Readonly<Record<string, readonly string[]>>;
  /** Host paths the pod mounts that must already exist (files, sockets, directories). */
  readonly hostMounts: ReadonlyArray<{ readonly service: string; readonly path: string; readonly type: string }>;
  /** Whether the containers have memory limits (podman then needs the cgroup memory controller). */
  readonly memoryLimits: boolean;
  /** Every image the pod runs, and the command that gets it when it is missing. */
  readonly images: ReadonlyArray<{ readonly service: string; readonly image: string; readonly get: string }>;
  /** Host ports the pod publishes, with the address. */
  readonly hostPorts: ReadonlyArray<{ readonly service: string; readonly address: string; readonly port: number }>;
}

/** A persistent host directory: install creates it (and hands it to `owner`), doctor checks it. */
export interface DataDirPlan {
  readonly service: string;
  readonly path: string;
  /** `UID:GID` the directory and all it holds belong to; private (0700). Unset: created root's, 0755, and left as it is. */
  readonly owner?: string;
  /** Folders below it (relative) that install creates for `owner`. */
  readonly subdirs?: readonly string[];
}

/** dist/pod.yaml, the units and install.json: the podman target. */
export function podmanFiles(model: PodModel): GeneratedFile[] {
  const app = new App({ outdir: 'unused', outputFileExtension: '.yaml' });
  const chart = new PodmanPodChart(app, 'pod', { model });
  const units = renderSystemdUnits(model);

  const plan: InstallPlan = {
    podName: model.podName,
    envFile: model.envFile,
    unit: podmanKubeUnitName(model),
    quadletUnit: QUADLET_UNIT,
    files: [
      { from: 'pod.yaml', to: model.installPath, mode: 0o644 },
      ...units.map((u) => ({ from: u.distPath, to: u.installPath, mode: u.mode, unitKind: u.unitKind })),
    ],
    dataDirs: mounts(model, (m) => m.persistent).map(({ spec, mount }) => ({
      service: spec.name,
      path: mount.hostPath,
      owner: mount.ownedByService ? formatUserGroup(spec.runAs ?? ROOT) : undefined,
      subdirs: mount.ownedSubdirs?.length ? [...mount.ownedSubdirs] : undefined,
    })),
    workspaces: mounts(model, (m) => m.workspace).map(({ spec, mount }) => ({
      service: spec.name,
      path: mount.hostPath,
      field: mount.configField,
      runAs: formatUserGroup(spec.runAs ?? ROOT),
    })),
    requiredEnvKeys: [...new Set(model.stages.flatMap((s) => s.spec.secrets.requiredKeys ?? []))],
    secretKeys: Object.fromEntries(model.stages.map((s) => [s.spec.name, s.spec.secrets.receives])),
    hostMounts: mounts(model, (m) => m.type !== 'DirectoryOrCreate' && !m.workspace).map(({ spec, mount }) => ({
      service: spec.name,
      path: mount.hostPath,
      type: mount.type,
    })),
    memoryLimits: model.memoryLimits,
    images: model.stages.map((s) => ({
      service: s.spec.name,
      image: s.spec.image,
      get: isBuiltOpenCodeImage(s.spec.image) ? 'opencode-memory-pod image build' : `podman pull ${s.spec.image}`,
    })),
    hostPorts: model.stages.flatMap((s) =>
      s.spec.ports.filter((p) => p.hostPort !== undefined).map((p) => ({ service: s.spec.name, address: model.bindAddress, port: p.hostPort! })),
    ),
  };

  return [
    { path: 'pod.yaml', content: podYaml(model, chart.toJson()), mode: 0o644 },
    ...units.map((u) => ({ path: u.distPath, content: u.content, mode: u.mode })),
    { path: 'install.json', content: `${JSON.stringify(plan, null, 2)}\n`, mode: 0o644 },
  ];
}

/** The host mounts of every service that `which` selects, with their service. */
function mounts(model: PodModel, which: (m: HostMountSpec) => boolean | undefined): Array<{ spec: ServiceSpec; mount: HostMountSpec }> {
  return model.stages.flatMap(({ spec }) => spec.mounts.filter(which).map((mount) => ({ spec, mount })));
}

/** The podman target (lib/targets.ts): pod.yaml for `podman kube play`, its systemd units, install.json. */
export const podmanTarget: TargetRenderer = {
  render: ({ model }) => podmanFiles(model),
};

function podYaml(model: PodModel, documents: unknown[]): string {
  const width = Math.max(...model.stages.map((s) => s.spec.name.length));
  const header = [
    'Generated by opencode-memory-pod. Do not edit: change the configuration and synth again.',
    '',
    `  podman kube play ${model.installPath}      (or this file)`,
    `  podman kube down ${model.installPath}`,
    '',
    'podman starts containers in no order and has no native sidecars, so every container runs',
    'launch.sh (ConfigMap below): it waits until the services it depends on are healthy, then execs',
    "the image's own entrypoint. Start order, from the services' declared dependencies:",
    ...model.stages.map((s, i) => {
      const ports = s.spec.ports.filter((p) => p.hostPort !== undefined).map((p) => `${model.bindAddress}:${p.hostPort}`);
      const waits = s.waitsFor.length ? `after ${s.waitsFor.join(', ')}` : 'first';
      return `  ${i + 1}. ${s.spec.name.padEnd(width)}  ${waits}; ${ports.join(' ') || 'no host port'}`;
    }),
    '',
    'Secrets: each container mounts only its own env file, holding only the keys its service',
    `receives, written from ${model.envFile} into`,
    `${hostSecretsDir(model.podName)}/ by split-env.sh: the unit runs it before every start;`,
    'run it yourself before a bare `podman kube play`. The launcher reads the file at container',
    'start; no value is written here or visible in `podman inspect`. Keys each one receives:',
    ...secretKeyLines(model).map((l) => `  ${l}`),
  ];
  return yamlDocuments(header, documents);
}

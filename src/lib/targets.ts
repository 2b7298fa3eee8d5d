import { basename, dirname, join } from 'node:path';

/**
 * What one render target is, as plain data: the part of the target registry every layer may ask
 * (the validator and its cdk8s plugin stand below the generator and must not import renderers).
 * The renderer that writes a target's files is its entry in src/render/targets.ts, which the
 * compiler holds to this list.
 */
export interface TargetDescriptor {
  /** Its name in messages, e.g. "Kubernetes". */
  readonly title: string;
  /** What it is for, in a few words (--help). */
  readonly about: string;
  /** What synth writes for it, in words (the configuration's `targets` field describes it so). */
  readonly writes: string;
  /** Its own folder of dist/, or '' when its files lie at the top of dist/. */
  readonly folder: string;
  /** Its manifests in dist/ (what validate checks when no file is named): a file, or `<folder>/` for every .yaml in it. */
  readonly manifests: string;
  /** How its files go live when `install` does not install them, `{dir}` standing for its folder; unset: `install` does. */
  readonly byHand?: string;
  /**
   * What `validate` and the cdk8s plugin check its manifests against: what `podman kube play` does
   * with them, or what a Kubernetes cluster does. Unset: the validator has no checks for them yet,
   * and says so instead of judging them by another target's rules.
   */
  readonly checkedAs?: ValidationMode;
}

/** The validator's two modes: podman's rules on a Pod manifest, or a cluster's schema and rules. */
export type ValidationMode = 'podman' | 'cluster';

/**
 * The render targets, in the order synth renders them: the one list of them, a table of one line
 * per target. Adding a target is one line here and its renderer (a file in src/render/ and its
 * line in src/render/targets.ts).
 */
// prettier-ignore
export const TARGETS = registry({
  podman: { title: 'podman', about: 'podman kube play and systemd', writes: 'dist/pod.yaml and units', folder: '', manifests: 'pod.yaml', checkedAs: 'podman' },
  kubernetes: { title: 'Kubernetes', about: 'a Kubernetes 1.29+ cluster', writes: 'dist/kubernetes/', folder: 'kubernetes', manifests: 'kubernetes/', byHand: 'apply {dir}/ with kubectl', checkedAs: 'cluster' },
});

/** The entries as they are, typed as descriptors: the names come from the keys alone. */
function registry<K extends string>(entries: Record<K, TargetDescriptor>): Readonly<Record<K, TargetDescriptor>> {
  return entries;
}

/** A render target's name: podman, kubernetes. */
export type Target = keyof typeof TARGETS;

/** Every target's name, in registry order. */
export const TARGET_NAMES = Object.keys(TARGETS) as Target[];

/** What synth writes when neither the configuration nor the command line names a target. */
export const DEFAULT_TARGETS: readonly Target[] = ['podman'];

/** The targets whose manifests the validator checks in this mode, in registry order. */
export function targetsCheckedAs(mode: ValidationMode): Target[] {
  return TARGET_NAMES.filter((t) => TARGETS[t].checkedAs === mode);
}

export function isTarget(name: string): name is Target {
  return Object.hasOwn(TARGETS, name);
}

/**
 * The targets in a comma-separated list (`synth --target`, OMP_TARGETS), in the order given, each
 * once; undefined when a name is no target or the list is empty.
 */
export function parseTargetList(text: string): Target[] | undefined {
  const names = text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (!names.length || !names.every(isTarget)) return undefined;
  return [...new Set(names)];
}

/** What a comma-separated list of targets may hold, in words. */
export const TARGET_LIST_ALLOWED = `${TARGET_NAMES.join(', ')}, or several separated by a comma`;

/**
 * The target a manifest written by synth belongs to, from the folder it lies in (the cdk8s
 * plugin, which sees only the paths): a target's own folder, else the target whose files lie at
 * the top of dist/.
 */
export function targetOfManifest(path: string): Target {
  const folder = basename(dirname(path));
  return TARGET_NAMES.find((t) => TARGETS[t].folder !== '' && TARGETS[t].folder === folder) ?? TARGET_NAMES.find((t) => TARGETS[t].folder === '')!;
}

/** Where a target's manifests are in the folder synth wrote: a file, or a folder of .yaml files. */
export function manifestsIn(target: Target, dist: string): { readonly path: string; readonly folder: boolean } {
  const { manifests } = TARGETS[target];
  return { path: join(dist, manifests.replace(/\/$/, '')), folder: manifests.endsWith('/') };
}

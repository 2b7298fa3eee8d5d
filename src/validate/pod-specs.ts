import { FieldPath } from './finding';
import { ManifestDocument } from './manifest-input';

type Obj = Record<string, unknown>;

/** A pod spec inside a document (a Pod's spec, or a workload's pod template). */
export interface PodSpecAt {
  readonly spec: Obj;
  readonly path: FieldPath;
}

/** One container of a pod spec, with where it is. */
export interface ContainerAt {
  readonly container: Obj;
  readonly path: FieldPath;
  readonly init: boolean;
  readonly name: string;
}

export function asObject(value: unknown): Obj | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : undefined;
}

export function asList(value: unknown): Obj[] {
  return Array.isArray(value) ? value.map((v) => asObject(v) ?? {}) : [];
}

/** Pod specs of a document: Pod -> spec; Deployment, StatefulSet -> spec.template.spec. */
export function podSpecsOf(doc: ManifestDocument): PodSpecAt[] {
  const spec = asObject(doc.object.spec);
  if (!spec) return [];
  if (doc.kind === 'Pod') return [{ spec, path: ['spec'] }];
  const template = asObject(asObject(spec.template)?.spec);
  return template ? [{ spec: template, path: ['spec', 'template', 'spec'] }] : [];
}

/** Init containers first, as they run. */
export function containersOf(pod: PodSpecAt): ContainerAt[] {
  const list = (key: 'initContainers' | 'containers') =>
    asList(pod.spec[key]).map((container, i) => ({
      container,
      path: [...pod.path, key, i],
      init: key === 'initContainers',
      name: String(container.name ?? `#${i}`),
    }));
  return [...list('initContainers'), ...list('containers')];
}

export const PROBE_KINDS = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;

// What several podman rules look at: the pod specs and containers of a document, their health
// probes, exec commands, secret references and ports.
import { FieldPath } from '../finding';
import { asList, asObject, ContainerAt, containersOf, PodSpecAt, podSpecsOf } from '../pod-specs';
import { RuleContext, RuleHit } from '../rule';

type Obj = Record<string, unknown>;

/** What a check returns for one pod or container: nothing, one hit or several. */
export type Hits = RuleHit | RuleHit[] | undefined;
const asHits = (r: Hits): RuleHit[] => (r ? (Array.isArray(r) ? r : [r]) : []);

/** Runs `fn` for every pod spec in the document (a Pod's spec, a Deployment's template). */
export function eachPod(ctx: RuleContext, fn: (pod: PodSpecAt) => Hits): RuleHit[] {
  return podSpecsOf(ctx.doc).flatMap((pod) => asHits(fn(pod)));
}

/** Runs `fn` for every container (init containers first) of every pod spec in the document. */
export function eachContainer(ctx: RuleContext, fn: (c: ContainerAt) => Hits): RuleHit[] {
  return eachPod(ctx, (pod) => containersOf(pod).flatMap((c) => asHits(fn(c))));
}

/** Probes podman turns into health checks (it ignores readinessProbe). */
export const HEALTH_PROBES = ['livenessProbe', 'startupProbe'] as const;

export interface ProbeAt {
  readonly probe: Obj;
  readonly path: FieldPath;
  readonly kind: string;
}

/** The probes of a container of the given kinds (default: the health probes), with where they are. */
export function probes(c: ContainerAt, kinds: readonly string[] = HEALTH_PROBES): ProbeAt[] {
  return kinds.flatMap((kind) => {
    const probe = asObject(c.container[kind]);
    return probe ? [{ probe, path: [...c.path, kind], kind }] : [];
  });
}

/** The argv of each exec health probe, with where it is. */
export function execCommands(c: ContainerAt): Array<{ command: unknown[]; path: FieldPath }> {
  return probes(c).flatMap(({ probe, path }) => {
    const command = asObject(probe.exec)?.command;
    return Array.isArray(command) ? [{ command, path: [...path, 'exec', 'command'] }] : [];
  });
}

/** Where a container takes values from a Secret: env[].valueFrom.secretKeyRef and envFrom[].secretRef. */
export function secretRefPaths(c: ContainerAt): FieldPath[] {
  const env = asList(c.container.env).flatMap((e, i) =>
    asObject(asObject(e.valueFrom)?.secretKeyRef) ? [[...c.path, 'env', i, 'valueFrom', 'secretKeyRef']] : [],
  );
  const envFrom = asList(c.container.envFrom).flatMap((e, i) =>
    asObject(e.secretRef) ? [[...c.path, 'envFrom', i, 'secretRef']] : [],
  );
  return [...env, ...envFrom];
}

/** Ports of httpGet and tcpSocket health probes given as a name, with where they are. */
export function namedProbePorts(c: ContainerAt): Array<{ port: string; path: FieldPath; kind: string }> {
  return probes(c).flatMap(({ probe, path, kind }) => {
    const handler = asObject(probe.httpGet) ? 'httpGet' : asObject(probe.tcpSocket) ? 'tcpSocket' : undefined;
    if (!handler) return [];
    const port = asObject(probe[handler])!.port;
    return typeof port === 'string' && !/^\d+$/.test(port) ? [{ port, path: [...path, handler, 'port'], kind }] : [];
  });
}

/** A port entry whose number (with protocol) an earlier container of the pod already has. */
export interface RepeatedPort {
  readonly c: ContainerAt;
  /** Index in the container's ports. */
  readonly i: number;
  readonly port: unknown;
  readonly proto: string;
  /** The container that has it first. */
  readonly other: string;
}

/** Ports entries whose `field` (with protocol) an earlier container of the pod already has. */
export function repeatedPorts(pod: PodSpecAt, field: 'hostPort' | 'containerPort', withInit: boolean): RepeatedPort[] {
  const seen = new Map<string, string>();
  const repeats: RepeatedPort[] = [];
  for (const c of containersOf(pod)) {
    if (c.init && !withInit) continue;
    asList(c.container.ports).forEach((p, i) => {
      if (p[field] === undefined) return;
      const proto = `${p.protocol ?? 'TCP'}`.toUpperCase();
      const key = `${p[field]}/${proto}`;
      const other = seen.get(key);
      if (other) repeats.push({ c, i, port: p[field], proto, other });
      else seen.set(key, c.name);
    });
  }
  return repeats;
}

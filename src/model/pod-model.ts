import { posix } from 'node:path';
import { ConfigError, ConfigProblem } from '../lib/config-error';
import { receivesKey, SECRET_KEY_PATTERN, SECRET_KEY_PATTERN_TEXT } from './secret-keys';
import { ServiceSpec } from './service';
import { startupOrder } from './startup-order';
import { hostPathProblems, PodHostPath } from './host-path-problems';

/** Seconds the services get to save and exit when the pod stops. */
export const STOP_GRACE_SECONDS = 20;

/** One service in start order, with the present services it waits for and those waiting for it. */
export interface Stage {
  readonly spec: ServiceSpec;
  readonly waitsFor: readonly string[];
  readonly dependents: readonly string[];
}

/** Pod-wide settings that every renderer needs. */
export interface PodSettings {
  readonly podName: string;
  /** Host address every port is published on. */
  readonly bindAddress: string;
  /** Host env file with the secrets. */
  readonly envFile: string;
  /** Where pod.yaml is installed; units are generated for this path. */
  readonly installPath: string;
  /** Emit the services' memory limits. */
  readonly memoryLimits: boolean;
  /** Enforce the start order (false: every service starts at once, for baseline measurements). */
  readonly ordering: boolean;
}

/** The whole pod as renderers see it: settings plus services in dependency order. */
export interface PodModel extends PodSettings {
  readonly stages: readonly Stage[];
}

/**
 * A service's key patterns: well formed (they become shell `case` patterns in split-env.sh), at
 * least one include, and covering every key the service reads (its requirepass key, its required keys).
 */
function secretKeyProblems(spec: ServiceSpec): ConfigProblem[] {
  const field = `services.${spec.name}.secretKeys`;
  const patterns = spec.secrets.receives;
  const bad = patterns.filter((p) => !SECRET_KEY_PATTERN.test(p));
  if (bad.length) return bad.map((p) => ({ field, value: p, allowed: `each entry must be ${SECRET_KEY_PATTERN_TEXT}` }));
  // None at all is a choice (a declared service that reads no secret); only excludes is a mistake.
  if (patterns.length && !patterns.some((p) => !p.startsWith('!')))
    return [{ field, value: patterns, allowed: 'must include at least one key or pattern (entries with ! only exclude)' }];
  const needed = [...(spec.secrets.requirepassFrom ? [spec.secrets.requirepassFrom] : []), ...(spec.secrets.requiredKeys ?? [])];
  return needed.filter((key) => !receivesKey(patterns, key)).map((key) => ({ field, value: patterns, allowed: `must include ${key}: ${spec.name} reads it` }));
}

/**
 * What only the whole pod can show: its containers share one network namespace, so no two may use
 * the same port (nor the same host port); each service's secret key patterns; data directories and
 * workspaces apart from each other and from the pod's own files (`podPaths`, see podHostPaths).
 */
export function podProblems(specs: readonly ServiceSpec[], podPaths: readonly PodHostPath[] = []): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const hostPorts = new Map<number, string>();
  const containerPorts = new Map<number, { service: string; field: string }>();
  for (const spec of specs) {
    for (const port of spec.ports) {
      const other = containerPorts.get(port.containerPort);
      if (other) {
        problems.push({
          field: port.configField,
          value: port.containerPort,
          allowed: `port already used inside the pod by ${other.service} (${other.field}); the pod's containers share one network, choose another`,
          comparedWith: [other.field],
        });
      } else containerPorts.set(port.containerPort, { service: spec.name, field: port.configField });
      if (port.hostPort === undefined) continue;
      const otherHost = hostPorts.get(port.hostPort);
      if (otherHost) {
        problems.push({
          field: port.configField,
          value: port.hostPort,
          allowed: `host port already used by ${otherHost}; every published port must differ`,
          comparedWith: [otherHost],
        });
      } else hostPorts.set(port.hostPort, port.configField);
    }
    problems.push(...secretKeyProblems(spec));
  }
  problems.push(...hostPathProblems(specs, podPaths));
  return problems;
}

/** The pod's own host files a service's mount must not cover: the env file, and the folder pod.yaml and its scripts are installed in. */
export function podHostPaths(settings: Pick<PodSettings, 'envFile' | 'installPath'>): PodHostPath[] {
  return [
    { path: settings.envFile, field: 'envFile' },
    { path: posix.dirname(settings.installPath), field: 'installPath' },
  ];
}

/**
 * Orders the services by their declared dependencies, after podProblems (the stack reports those
 * with every other problem of the configuration first; a model is never built from a pod that has one).
 */
export function buildPodModel(settings: PodSettings, specs: readonly ServiceSpec[]): PodModel {
  const volumes = new Set<string>();
  for (const mount of specs.flatMap((s) => s.mounts)) {
    if (volumes.has(mount.name)) throw new Error(`volume name ${mount.name} is used twice`);
    volumes.add(mount.name);
  }
  const problems = podProblems(specs, podHostPaths(settings));
  if (problems.length) throw new ConfigError(problems);

  const bySpec = new Map(specs.map((s) => [s.name, s]));
  const stages = startupOrder(specs).map((stage) => ({ spec: bySpec.get(stage.name)!, waitsFor: stage.waitsFor, dependents: stage.dependents }));
  return { ...settings, stages };
}

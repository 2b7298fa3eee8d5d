import { ConfigProblem } from '../lib/config-error';
import { isWithin, normalizeHostPath } from '../lib/host-paths';
import { ServiceSpec } from './service';

/** A host path of the pod's own beside the services' mounts (its env file, where pod.yaml is installed). */
export interface PodHostPath {
  readonly path: string;
  /** Configuration field that sets it, named in error messages. */
  readonly field: string;
}

/**
 * The pod's host paths apart from one another:
 * - two data directories must not be one folder or nested: each service owns its own (install
 *   re-owns OpenCode's, Valkey's image re-owns its own, and two stores would overwrite each
 *   other's dump.rdb); nor may one hold the pod's own files or lie inside their folder;
 * - a workspace is the user's, read-write, so it must not be a data directory, hold one, or lie
 *   inside one (OpenCode's commands would write into a store's files, or a store into the user's
 *   project), nor hold the pod's own files (env file, installed pod.yaml and scripts), nor be named
 *   twice or nested in another workspace (one folder mounted at two places).
 */
export function hostPathProblems(specs: readonly ServiceSpec[], podPaths: readonly PodHostPath[] = []): ConfigProblem[] {
  const mounts = specs.flatMap((s) => s.mounts.map((m) => ({ ...m, hostPath: normalizeHostPath(m.hostPath) })));
  const problems: ConfigProblem[] = [];

  const data = mounts.filter((m) => m.persistent);
  data.forEach((dir, i) => {
    const other = data.slice(0, i).find((d) => isWithin(dir.hostPath, d.hostPath) || isWithin(d.hostPath, dir.hostPath));
    if (other) {
      problems.push({
        field: dir.configField,
        value: dir.hostPath,
        allowed: `must be apart from ${other.hostPath} (${other.configField}): each service keeps its data in a folder of its own, not one of another's or above it`,
        comparedWith: [other.configField],
      });
    }
  });

  // Nor hold the pod's own files: install would hand them to the service's user with its data
  // (scripts systemd runs as root, the env file with every secret).
  for (const dir of data) {
    for (const own of podPaths) {
      const path = normalizeHostPath(own.path);
      if (!isWithin(path, dir.hostPath) && !isWithin(dir.hostPath, path)) continue;
      problems.push({
        field: dir.configField,
        value: dir.hostPath,
        allowed: `must be apart from ${path} (${own.field}): a data directory must not hold, or lie inside, the pod's own files`,
        comparedWith: [own.field],
      });
    }
  }

  // The user's own read-only files (plugins, a configuration file): a data directory in them, or
  // they in one, would show OpenCode a store's files; the pod's own files (the env file with every
  // secret, scripts systemd runs as root) are no plugin or configuration either.
  for (const own of mounts.filter((m) => m.userFiles)) {
    const others = [
      ...data.map((d) => ({ path: d.hostPath, field: d.configField })),
      ...podPaths.map((p) => ({ path: normalizeHostPath(p.path), field: p.field })),
    ];
    for (const other of others) {
      if (!isWithin(own.hostPath, other.path) && !isWithin(other.path, own.hostPath)) continue;
      problems.push({
        field: own.configField,
        value: own.hostPath,
        allowed: `must be apart from ${other.path} (${other.field}): the container would read it through this read-only mount`,
        comparedWith: [other.field],
      });
    }
  }

  const workspaces = mounts.filter((m) => m.workspace);
  const others = [
    ...mounts.filter((m) => !m.workspace).map((m) => ({ path: m.hostPath, field: m.configField })),
    ...podPaths.map((p) => ({ path: normalizeHostPath(p.path), field: p.field })),
  ];
  workspaces.forEach((ws, i) => {
    const earlier = workspaces.slice(0, i);
    const same = earlier.find((w) => w.hostPath === ws.hostPath);
    const nested = earlier.find((w) => isWithin(ws.hostPath, w.hostPath) || isWithin(w.hostPath, ws.hostPath));
    if (same) {
      problems.push({
        field: ws.configField,
        value: ws.hostPath,
        allowed: `already listed as ${same.configField}; name each workspace once`,
        comparedWith: [same.configField],
      });
    } else if (nested) {
      problems.push({
        field: ws.configField,
        value: ws.hostPath,
        allowed: `must not contain or lie inside the workspace ${nested.hostPath} (${nested.configField}): list only the outer one`,
        comparedWith: [nested.configField],
      });
    }
    for (const other of others) {
      const inside = isWithin(ws.hostPath, other.path);
      if (!inside && !isWithin(other.path, ws.hostPath)) continue;
      problems.push({
        field: ws.configField,
        value: ws.hostPath,
        allowed: `must not ${inside ? 'be or lie inside' : 'contain'} ${other.path} (${other.field}): a workspace and the pod's own host paths must be apart`,
        comparedWith: [other.field],
      });
    }
  });
  return problems;
}

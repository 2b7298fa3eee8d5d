import { ConfigProblem } from '../lib/config-error';
import { isWithin, normalizeHostPath } from '../lib/host-paths';
import { ServiceSpec } from './service';

/**
 * Workspaces against every other host path of the pod: a workspace is the user's, read-write, so it
 * must not be a data directory, hold one, or lie inside one (OpenCode's commands would then write
 * into a store's files, or a store into the user's project), nor be named twice or nested in
 * another workspace (one folder mounted at two places).
 */
export function workspaceProblems(specs: readonly ServiceSpec[]): ConfigProblem[] {
  const mounts = specs.flatMap((s) => s.mounts.map((m) => ({ ...m, hostPath: normalizeHostPath(m.hostPath) })));
  const workspaces = mounts.filter((m) => m.workspace);
  const others = mounts.filter((m) => !m.workspace);
  const problems: ConfigProblem[] = [];
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
      const inside = isWithin(ws.hostPath, other.hostPath);
      if (!inside && !isWithin(other.hostPath, ws.hostPath)) continue;
      problems.push({
        field: ws.configField,
        value: ws.hostPath,
        allowed: `must not ${inside ? 'be or lie inside' : 'contain'} ${other.hostPath} (${other.configField}): a workspace and the pod's own host paths must be apart`,
        comparedWith: [other.configField],
      });
    }
  });
  return problems;
}

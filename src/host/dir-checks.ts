import { existsSync, lstatSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isWithin, normalizeHostPath, readablePathProblem, systemPathProblem } from '../lib/host-paths';
import { InstallPlan } from '../render/podman-files';
import type { Check } from './check';
import { Finding } from '../lib/finding';
import { parseUserGroup } from '../lib/user-group';
import { isPrivate, pathProblem } from './data-dirs';

/**
 * Entries OpenCode kept at the top of its data directory when that directory was mounted at
 * ~/.local/share/opencode (before it became OpenCode's whole home): found there now, they are
 * not where OpenCode looks.
 */
const OLD_LAYOUT_ENTRIES = ['auth.json', 'storage', 'opencode.db', 'log', 'snapshot', 'bin'];

/** The data directories: there (or to be made by install), of their owner, private. */
export function checkDataDirs(plan: InstallPlan): Check[] {
  const out: Check[] = [];
  for (const { path, owner, service } of plan.dataDirs) {
    if (!existsSync(path)) {
      out.push({ severity: 'passed', message: `data directory ${path} will be created${owner ? ` for ${owner}` : ''} (parent ${nearestExisting(path)})` });
      continue;
    }
    const st = lstatSync(path);
    const problem = pathProblem(path, st, true);
    if (problem) {
      out.push({ severity: 'error', message: `data directory: ${problem}`, fix: `point services.${service}.dataDir at a folder of its own` });
      continue;
    }
    if (!owner) {
      out.push({ severity: 'passed', message: `data directory ${path}` });
      continue;
    }
    const { uid, gid } = parseUserGroup(owner);
    // A service that runs as root can write anywhere; there the harm of another owner is that user's
    // reach into its data. Only the group amiss: what Valkey's entrypoint leaves (chown valkey, user only).
    const why =
      st.uid === uid
        ? `its group is ${st.gid}, not ${service}'s ${gid}`
        : uid === 0
          ? `${service} runs as root; another owner may read and change what it keeps`
          : `${service} runs as ${owner} and cannot write there`;
    const problems = [
      ...(st.uid !== uid || st.gid !== gid ? [`belongs to ${st.uid}:${st.gid}, not ${owner} (${why})`] : []),
      ...(!isPrivate(st.mode)
        ? [`has mode ${(st.mode & 0o7777).toString(8)}, not 700 (only ${owner} may use it: nobody else may read what ${service} keeps there)`]
        : []),
    ];
    out.push(
      problems.length
        ? {
            severity: 'error',
            message: `data directory ${path} ${problems.join('; ')}`,
            fix: `opencode-memory-pod install (hands it to ${owner}, 0700), or chown -R ${owner} ${path} && chmod 700 ${path}`,
          }
        : { severity: 'passed', message: `data directory ${path} (owner ${owner}, 0700)` },
    );
    const old = service === 'opencode' ? oldLayout(path) : undefined;
    if (old) out.push(old);
  }
  return out;
}

/**
 * OpenCode's data at the top of its home, where it was kept when the directory was mounted at
 * ~/.local/share/opencode: OpenCode does not see it there (undefined: none found).
 */
export function oldLayout(path: string): Finding | undefined {
  const old = OLD_LAYOUT_ENTRIES.filter((e) => existsSync(join(path, e)));
  if (!old.length) return undefined;
  const share = `${path}/.local/share/opencode`;
  return {
    severity: 'error',
    message: `${path} holds OpenCode data at its top (${old.join(', ')}), where it was kept when this directory was mounted at ~/.local/share/opencode; it is now OpenCode's whole home, and OpenCode does not look there`,
    fix: `with the pod stopped: mkdir -p ${share} && mv ${old.map((e) => `${path}/${e}`).join(' ')} ${share}/ (if OpenCode already started without them, first move what it made in ${share} aside), then opencode-memory-pod install`,
  };
}

/** The workspaces: there, a directory, not a system directory once symbolic links are resolved, and whose. */
export function checkWorkspaces(plan: InstallPlan): Check[] {
  const out: Check[] = [];
  const dataDirs = plan.dataDirs.map((d) => d.path);
  for (const ws of plan.workspaces ?? []) {
    if (!existsSync(ws.path)) {
      out.push({
        severity: 'error',
        message: `workspace ${ws.path} (${ws.field}) does not exist: the pod does not start without it`,
        fix: `create it as the user who owns the code (mkdir -p ${ws.path}), or remove it from ${ws.field.replace(/\.\d+$/, '')}`,
      });
      continue;
    }
    const real = realpathSync(ws.path);
    const st = statSync(real);
    if (!st.isDirectory()) {
      out.push({ severity: 'error', message: `workspace ${ws.path} (${ws.field}) is not a directory`, fix: `point ${ws.field} at a directory` });
      continue;
    }
    const via = real === ws.path ? '' : ` (a symbolic link to ${real})`;
    const system = systemPathProblem(real);
    const data = dataDirs.find((d) => isWithin(real, d) || isWithin(d, real));
    if (system || data) {
      out.push({
        severity: 'error',
        message: `workspace ${ws.path}${via} ${system ?? `overlaps the data directory ${data}`}`,
        fix: `point ${ws.field} at a directory of your own code`,
      });
      continue;
    }
    const owner = `${st.uid}:${st.gid}`;
    const runAs = parseUserGroup(ws.runAs);
    out.push(
      st.uid === runAs.uid || runAs.uid === 0
        ? { severity: 'passed', message: `workspace ${ws.path}${via} (owner ${owner}; ${ws.service} runs as ${ws.runAs})` }
        : {
            severity: 'warning',
            message: `workspace ${ws.path}${via} belongs to ${owner}, but ${ws.service} runs as ${ws.runAs}: it can change only what that user may, and what it creates is ${ws.runAs}'s`,
            fix: `set services.${ws.service}.runAs: "${owner}" (then synth and install), or chown the workspace`,
          },
    );
  }
  return out;
}

/**
 * A plugin folder or configuration file, once symbolic links are resolved: none of the system's
 * own files, no data directory and not the env file (synth checks the path as written).
 */
export function checkUserFiles(mount: { service: string; path: string; type: string; field: string }, plan: InstallPlan): Check[] {
  const real = realpathSync(mount.path);
  if (real === normalizeHostPath(mount.path)) return [];
  const problem =
    readablePathProblem(real, mount.type === 'File' ? 'file' : 'directory') ??
    [...plan.dataDirs.map((d) => d.path), plan.envFile]
      .filter((other) => isWithin(real, other) || isWithin(other, real))
      .map((other) => `must be apart from ${other}`)[0];
  return problem
    ? [
        {
          severity: 'error',
          message: `${mount.field}: ${mount.path} is a symbolic link to ${real}, which ${problem}`,
          fix: `point ${mount.field} at a folder or file of your own`,
        },
      ]
    : [{ severity: 'passed', message: `${mount.field}: ${mount.path} (a symbolic link to ${real})` }];
}

function nearestExisting(path: string): string {
  let dir = dirname(path);
  while (!existsSync(dir)) dir = dirname(dir);
  return dir;
}

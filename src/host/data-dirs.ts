import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  fchownSync,
  fstatSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  realpathSync,
  rmdirSync,
  Stats,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { systemPathProblem } from '../lib/host-paths';
import { parseUserGroup } from '../lib/user-group';
import { DataDirPlan } from '../render/podman-files';

/** One change install makes to a data directory, and how to take it back. */
export interface DirStep {
  readonly undo: () => void;
}

/** What a data directory needs, judged before anything is changed (for --dry-run and the real run alike). */
export interface DataDirState {
  readonly dir: DataDirPlan;
  /** The directory under the install root. */
  readonly at: string;
  readonly exists: boolean;
  /** The directory's mode is not 0700 (owner set: it must be exactly that). */
  readonly open: boolean;
  /** Owned folders (dir.subdirs) still missing. */
  readonly missingSubdirs: readonly string[];
  /** Why install must not touch it (a link, not a directory, a system directory): it refuses, and changes nothing. */
  readonly problem?: string;
}

/** Looks at one data directory under `root`; changes nothing. */
export function dataDirState(dir: DataDirPlan, root: string): DataDirState {
  const at = join(root, dir.path);
  const st = lstatOrUndefined(at);
  const base = { dir, at, exists: st !== undefined, open: false, missingSubdirs: [] as string[] };
  if (!st) return base;
  const problem = pathProblem(at, st, root === '/');
  if (problem) return { ...base, problem };
  if (!dir.owner) return base;
  return {
    ...base,
    open: !isPrivate(st.mode),
    missingSubdirs: (dir.subdirs ?? []).filter((sub) => !existsSync(join(at, sub))),
  };
}

/**
 * A data directory install may work in: a folder, not a link (whatever runs in the pod as its user
 * may be able to replace one it owns with a link to /etc, and install runs as root), and on the host
 * not a system directory once the links above it are resolved.
 */
export function pathProblem(at: string, st: Stats, onHost: boolean): string | undefined {
  if (st.isSymbolicLink()) return `${at} is a symbolic link (to ${realpathOr(at)}): set the data directory to the folder itself`;
  if (!st.isDirectory()) return `${at} exists but is not a directory: move it away, the pod keeps data there`;
  const real = realpathOr(at);
  const system = onHost ? systemPathProblem(real) : undefined;
  return system ? `${at} is ${real} once links are resolved, which ${system}` : undefined;
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return '(nowhere)';
  }
}

/** The line --dry-run prints for it. */
export function describePlanned(s: DataDirState): string {
  const owner = s.dir.owner;
  if (!s.exists) {
    return owner
      ? `would create data directory ${s.at} (0700, owner ${owner}${s.dir.subdirs?.length ? `, with ${s.dir.subdirs.join(', ')}` : ''})`
      : `would create data directory ${s.at}`;
  }
  if (s.problem) return `would refuse: ${s.problem}`;
  if (!owner) return `data directory ${s.at} exists (left as it is)`;
  // Counted here only: the real run hands entries over in one walk of its own.
  const { uid, gid } = parseUserGroup(owner);
  let foreign = 0;
  walk(s.at, (_p, entry) => void (entry.uid !== uid || entry.gid !== gid ? foreign++ : 0));
  const changes = [
    ...(foreign ? [`hand ${foreign} entr${foreign === 1 ? 'y' : 'ies'} of another owner to ${owner}`] : []),
    ...(s.open ? ['make it 0700'] : []),
    ...(s.missingSubdirs.length ? [`create ${s.missingSubdirs.join(', ')}`] : []),
  ];
  return changes.length ? `would ${changes.join(', ')} in data directory ${s.at}` : `data directory ${s.at} exists (owner ${owner}, 0700; left as it is)`;
}

/**
 * Brings one data directory to its plan: created when missing (private to its owner, when it has
 * one), everything in it handed to the owner (symbolic links themselves, never what they point at),
 * owned folders created. Each change is pushed on `done` with its undo. Returns the lines to print.
 */
export function applyDataDir(s: DataDirState, mkdirs: (dir: string) => void, done: DirStep[]): string[] {
  const { at, dir } = s;
  const out: string[] = [];
  if (!s.exists) {
    const parent = join(at, '..');
    mkdirs(parent);
    mkdirSync(at, { mode: dir.owner ? 0o700 : 0o755 });
    done.push({ undo: () => rmdirQuiet(at) });
    out.push(`created data directory ${at}${dir.owner ? ` (0700, owner ${dir.owner})` : ''}`);
  }
  if (!dir.owner) {
    if (s.exists) out.push(`data directory ${at} exists (left as it is)`);
    return out;
  }
  const { uid, gid } = parseUserGroup(dir.owner);
  let handed = 0;
  walk(at, (path, st, chown) => {
    if (st.uid === uid && st.gid === gid) return;
    chown(uid, gid);
    done.push({ undo: () => lchownSync(path, st.uid, st.gid) });
    handed++;
  });
  const mode = statSync(at).mode & 0o7777;
  if (!isPrivate(mode)) {
    chmodSync(at, 0o700);
    done.push({ undo: () => chmodSync(at, mode) });
  }
  for (const sub of dir.subdirs ?? []) makeOwnedDirs(at, sub, uid, gid, done);
  if (s.exists) {
    out.push(
      handed || !isPrivate(mode) || s.missingSubdirs.length
        ? `data directory ${at}: handed ${handed} entr${handed === 1 ? 'y' : 'ies'} to ${dir.owner}${!isPrivate(mode) ? `, mode ${mode.toString(8)} -> 700` : ''}${s.missingSubdirs.length ? `, created ${s.missingSubdirs.join(', ')}` : ''}`
        : `data directory ${at} exists (owner ${dir.owner}, 0700; left as it is)`,
    );
  }
  return out;
}

/** One entry of a walk: its path (for messages and undo), what lstat says, and a chown that cannot be redirected. */
type Visit = (path: string, st: Stats, chown: (uid: number, gid: number) => void) => void;

/** Exactly 0700: the owner alone, and no set-id or sticky bit. */
export function isPrivate(mode: number): boolean {
  return (mode & 0o7777) === 0o700;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Creates `sub` below `at` folder by folder for uid:gid, each step through the descriptor of the
 * folder above, opened O_NOFOLLOW: whatever runs as the user may have put a link where a folder goes
 * (to /etc, say), and root must not create or hand over anything there. Such a link stops install.
 */
function makeOwnedDirs(at: string, sub: string, uid: number, gid: number, done: DirStep[]): void {
  const flags = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
  let fd = openSync(at, flags);
  try {
    let path = at;
    for (const part of sub.split('/')) {
      const child = `/proc/self/fd/${fd}/${part}`;
      path = join(path, part);
      const st = lstatOrUndefined(child);
      if (!st) {
        mkdirSync(child, { mode: 0o700 });
        const made = path;
        done.push({ undo: () => rmdirQuiet(made) });
        lchownSync(child, uid, gid);
      } else if (!st.isDirectory()) {
        const what = st.isSymbolicLink() ? 'a symbolic link' : 'not a directory';
        throw Object.assign(new Error(`${path} is ${what}; move it away (install makes a folder there)`), { code: 'ENOTDIR' });
      }
      const next = openSync(child, flags);
      closeSync(fd);
      fd = next;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Calls `visit` for `dir` and everything below it, without following symbolic links, also when
 * one is swapped in while it runs: each directory is opened with O_NOFOLLOW and read, and its
 * entries reached, through that descriptor (/proc/self/fd), so a folder replaced by a link to /etc
 * by whatever runs in the pod meanwhile is never entered, and a link itself is changed, never what
 * it points at (lchown).
 */
function walk(dir: string, visit: Visit, via: string = dir): void {
  const fd = openSync(via, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    visit(dir, fstatSync(fd), (uid, gid) => fchownSync(fd, uid, gid));
    const self = `/proc/self/fd/${fd}`;
    const device = fstatSync(fd).dev;
    for (const name of readdirSync(self)) {
      const entry = `${self}/${name}`;
      // Gone since the folder was read (SQLite's -wal and -shm come and go while the pod runs).
      const st = lstatOrUndefined(entry);
      if (!st) continue;
      // Another file system mounted below (a bind mount, a disk): not part of this directory.
      if (st.dev !== device) continue;
      if (!st.isDirectory()) {
        visit(join(dir, name), st, (uid, gid) => lchownSync(entry, uid, gid));
        continue;
      }
      try {
        walk(join(dir, name), visit, entry);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Removes a folder this install made; rmdir refuses one that is not empty, which is kept. */
function rmdirQuiet(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // gone already, or something was put there since: not ours to remove
  }
}

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
  /** Entries (the directory itself included) that belong to someone other than `owner`. */
  readonly foreign: number;
  /** The directory's mode is not 0700 (owner set: it must be exactly that). */
  readonly open: boolean;
  /** Owned folders (dir.subdirs) still missing. */
  readonly missingSubdirs: readonly string[];
}

/** Parses `UID:GID`. */
export function parseOwner(owner: string): { uid: number; gid: number } {
  const [uid, gid] = owner.split(':').map(Number);
  return { uid, gid };
}

/** Looks at one data directory under `root`; changes nothing. */
export function dataDirState(dir: DataDirPlan, root: string): DataDirState {
  const at = join(root, dir.path);
  const exists = existsSync(at);
  if (!dir.owner) return { dir, at, exists, foreign: 0, open: false, missingSubdirs: [] };
  const { uid, gid } = parseOwner(dir.owner);
  let foreign = 0;
  if (exists) walk(at, (_p, st) => void (st.uid !== uid || st.gid !== gid ? foreign++ : 0), realpathSync(at));
  return {
    dir,
    at,
    exists,
    foreign,
    open: exists && !isPrivate(statSync(at).mode),
    missingSubdirs: (dir.subdirs ?? []).filter((s) => !existsSync(join(at, s))),
  };
}

/** The line --dry-run prints for it. */
export function describePlanned(s: DataDirState): string {
  const owner = s.dir.owner;
  if (!s.exists) {
    return owner
      ? `would create data directory ${s.at} (0700, owner ${owner}${s.dir.subdirs?.length ? `, with ${s.dir.subdirs.join(', ')}` : ''})`
      : `would create data directory ${s.at}`;
  }
  if (!owner) return `data directory ${s.at} exists (left as it is)`;
  const changes = [
    ...(s.foreign ? [`hand ${s.foreign} entr${s.foreign === 1 ? 'y' : 'ies'} of another owner to ${owner}`] : []),
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
  const { uid, gid } = parseOwner(dir.owner);
  let handed = 0;
  // The configured path itself may be a link (podman mounts what it points at); below it, none is followed.
  walk(
    at,
    (path, st, chown) => {
      if (st.uid === uid && st.gid === gid) return;
      chown(uid, gid);
      done.push({ undo: () => lchownSync(path, st.uid, st.gid) });
      handed++;
    },
    realpathSync(at),
  );
  const mode = statSync(at).mode & 0o7777;
  if (!isPrivate(mode)) {
    chmodSync(at, 0o700);
    done.push({ undo: () => chmodSync(at, mode) });
  }
  // Folder by folder, never through a link: whatever runs as the user may have put one where a
  // folder goes (to /etc, say), and root must not create or hand over anything there.
  for (const sub of dir.subdirs ?? []) {
    const parts = sub.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const path = join(at, ...parts.slice(0, i));
      const st = lstatOrUndefined(path);
      if (st?.isDirectory()) continue;
      if (st) {
        const what = st.isSymbolicLink() ? 'a symbolic link' : 'not a directory';
        throw Object.assign(new Error(`${path} is ${what}; move it away (install makes a folder there)`), { code: 'ENOTDIR' });
      }
      mkdirSync(path, { mode: 0o700 });
      done.push({ undo: () => rmdirQuiet(path) });
      lchownSync(path, uid, gid);
    }
  }
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
      const st = lstatSync(entry);
      // Another file system mounted below (a bind mount, a disk): not part of this directory.
      if (st.dev !== device) continue;
      if (st.isDirectory()) walk(join(dir, name), visit, entry);
      else visit(join(dir, name), st, (uid, gid) => lchownSync(entry, uid, gid));
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

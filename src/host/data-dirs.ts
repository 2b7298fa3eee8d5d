import { chmodSync, chownSync, existsSync, lchownSync, lstatSync, mkdirSync, readdirSync, rmdirSync, Stats, statSync } from 'node:fs';
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
  /** The directory's mode lets others in (owner set: it must be 0700). */
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
  if (exists) walk(at, (_p, st) => (st.uid !== uid || st.gid !== gid ? foreign++ : undefined));
  return {
    dir,
    at,
    exists,
    foreign,
    open: exists && (statSync(at).mode & 0o077) !== 0,
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
  walk(at, (path, st) => {
    if (st.uid === uid && st.gid === gid) return;
    lchownSync(path, uid, gid);
    done.push({ undo: () => lchownSync(path, st.uid, st.gid) });
    handed++;
  });
  const mode = statSync(at).mode & 0o7777;
  if (mode !== 0o700) {
    chmodSync(at, 0o700);
    done.push({ undo: () => chmodSync(at, mode) });
  }
  for (const sub of dir.subdirs ?? []) {
    const parts = sub.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const path = join(at, ...parts.slice(0, i));
      if (existsSync(path)) continue;
      mkdirSync(path, { mode: 0o700 });
      done.push({ undo: () => rmdirQuiet(path) });
      chownSync(path, uid, gid);
    }
  }
  if (s.exists) {
    out.push(
      handed || mode !== 0o700 || s.missingSubdirs.length
        ? `data directory ${at}: handed ${handed} entr${handed === 1 ? 'y' : 'ies'} to ${dir.owner}${mode !== 0o700 ? `, mode ${mode.toString(8)} -> 700` : ''}${s.missingSubdirs.length ? `, created ${s.missingSubdirs.join(', ')}` : ''}`
        : `data directory ${at} exists (owner ${dir.owner}, 0700; left as it is)`,
    );
  }
  return out;
}

/** Calls `visit` for `dir` and everything below it, without following symbolic links. */
function walk(dir: string, visit: (path: string, st: Stats) => void): void {
  const st = lstatSync(dir);
  visit(dir, st);
  if (!st.isDirectory()) return;
  for (const name of readdirSync(dir)) walk(join(dir, name), visit);
}

/** Removes a folder this install made; rmdir refuses one that is not empty, which is kept. */
function rmdirQuiet(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // gone already, or something was put there since: not ours to remove
  }
}

import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DirStep } from './data-dirs';

/** `20261207T135632Z`: the suffix of backups and of files on their way out. */
export function timestamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * The changes of one install or uninstall, all or nothing: every step is recorded with its undo,
 * files are written next to their target before any is replaced, and a file to remove is first
 * renamed (deleted only at commit), so that `rollback` puts the host back as it was.
 */
export class FileTransaction {
  /** Each change made so far, with its undo (data-dirs.ts pushes its own). */
  readonly done: DirStep[] = [];
  /** Folders this transaction created, outermost first. */
  readonly createdDirs: string[] = [];
  private readonly doomed: string[] = [];
  readonly suffix: string;

  constructor(now: Date) {
    this.suffix = timestamp(now);
  }

  /** Creates `dir` and the folders above it that are missing, recording each. */
  readonly mkdirs = (dir: string): void => {
    const missing: string[] = [];
    for (let d = dir; !existsSync(d); d = dirname(d)) missing.unshift(d);
    for (const d of missing) {
      mkdirSync(d, { mode: 0o755 });
      this.createdDirs.push(d);
      this.done.push({ undo: () => rmdirSync(d) });
    }
  };

  /** Writes `target.omp-new` (a copy of `from`, or `content`); returns its path. */
  stage(target: string, source: { readonly from: string } | { readonly content: string }, mode: number): string {
    this.mkdirs(dirname(target));
    const tmp = `${target}.omp-new`;
    if ('from' in source) copyFileSync(source.from, tmp);
    else writeFileSync(tmp, source.content);
    chmodSync(tmp, mode);
    this.done.push({ undo: () => rmSync(tmp, { force: true }) });
    return tmp;
  }

  /** Renames a staged file into place; what was there is kept as `<target>.omp-backup-<time>` (returned) when `keep`, else replaced. */
  place(tmp: string, target: string, keep: boolean): string | undefined {
    let backup: string | undefined;
    if (existsSync(target)) {
      if (keep) backup = this.moveAside(target);
      else this.remove(target);
    }
    renameSync(tmp, target);
    this.done.push({ undo: () => rmSync(target, { force: true }) });
    return backup;
  }

  /** Renames a file to `<file>.omp-backup-<time>` (kept for good); returns that name. */
  moveAside(target: string): string {
    const backup = `${target}.omp-backup-${this.suffix}`;
    renameSync(target, backup);
    this.done.push({ undo: () => renameSync(backup, target) });
    return backup;
  }

  /** Removes a file or a whole folder at commit; until then it only has another name. */
  remove(target: string): void {
    const away = `${target}.omp-removing-${this.suffix}`;
    renameSync(target, away);
    this.done.push({ undo: () => renameSync(away, target) });
    this.doomed.push(away);
  }

  /** Undoes every step, newest first; keeps going past a step that fails. */
  rollback(): void {
    for (const step of this.done.splice(0).reverse()) {
      try {
        step.undo();
      } catch {
        // keep undoing the rest
      }
    }
  }

  /**
   * Deletes what `remove` set aside, then removes each folder of `prune` that is empty by then
   * (deepest first; a folder a removed file left empty). Nothing of it can fail the transaction:
   * returns what it could not delete, and the folders it removed.
   */
  commit(prune: readonly string[] = []): { left: string[]; pruned: string[] } {
    const left: string[] = [];
    for (const away of this.doomed.splice(0)) {
      try {
        rmSync(away, { recursive: true, force: true });
      } catch {
        left.push(away);
      }
    }
    this.done.length = 0;
    const pruned: string[] = [];
    for (const dir of [...new Set(prune)].sort((a, b) => b.length - a.length)) {
      try {
        if (!lstatSync(dir).isDirectory() || readdirSync(dir).length) continue;
        rmdirSync(dir);
        pruned.push(dir);
      } catch {
        // gone already, or not ours to judge
      }
    }
    return { left, pruned };
  }
}

/**
 * What a host path given in the configuration may be: the system's own directories are never
 * handed to a container to write in (a typo there would give the host's /etc or /usr to whatever
 * runs inside), and paths are compared as the kernel resolves bind mounts, component by component.
 */

/**
 * Directories of the system itself (FHS), refused as a whole: mounting one read-write gives the
 * container the host's programs, configuration or other users' files. A folder below one of them
 * (/srv/code, /home/alice/project, /var/lib/x) is fine, except under VIRTUAL_DIRECTORIES.
 */
export const SYSTEM_DIRECTORIES: readonly string[] = [
  '/',
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/home',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/media',
  '/mnt',
  '/opt',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/srv',
  '/sys',
  '/tmp',
  '/usr',
  '/usr/bin',
  '/usr/lib',
  '/usr/local',
  '/usr/sbin',
  '/usr/share',
  '/var',
  '/var/lib',
  '/var/log',
  '/var/tmp',
];

/** Kernel and runtime file systems: nothing below them is a place for a user's files. */
export const VIRTUAL_DIRECTORIES: readonly string[] = ['/dev', '/proc', '/run', '/sys', '/var/lock', '/var/run'];

/**
 * The system's programs, libraries and configuration: nothing below them is handed to a container
 * to write in (/etc/opencode-memory-pod holds scripts systemd runs as root; /usr/local/bin would
 * hide the image's own programs at the same path).
 */
export const SYSTEM_TREES: readonly string[] = ['/bin', '/boot', '/etc', '/lib', '/lib32', '/lib64', '/libx32', '/sbin', '/usr'];

/** `path` without a trailing slash (but `/` stays `/`). */
export function normalizeHostPath(path: string): string {
  const trimmed = path.replace(/\/+/g, '/').replace(/\/$/, '');
  return trimmed === '' ? '/' : trimmed;
}

/** True when `path` is `dir` or lies below it (by whole components: /srv/ab is not inside /srv/a). */
export function isWithin(path: string, dir: string): boolean {
  const p = normalizeHostPath(path);
  const d = normalizeHostPath(dir);
  return p === d || d === '/' || p.startsWith(`${d}/`);
}

/**
 * Why `path` cannot be handed to a container to read (a plugin folder, a configuration file):
 * nothing of the system's own trees (/etc holds the host's password hashes and keys), no kernel
 * file system, not the whole host (undefined: it can).
 */
export function readablePathProblem(path: string, kind: 'directory' | 'file'): string | undefined {
  if (kind === 'directory') return systemPathProblem(path);
  const p = normalizeHostPath(path);
  if (p === '/' || SYSTEM_DIRECTORIES.includes(p)) return `must be a file, not the directory ${p}`;
  const virtual = VIRTUAL_DIRECTORIES.find((d) => isWithin(p, d));
  if (virtual) return `must not be inside ${virtual} (a kernel or runtime file system)`;
  const tree = SYSTEM_TREES.find((d) => isWithin(p, d));
  if (tree) return `must not be inside ${tree} (the system's own files); keep it in a folder such as /srv/opencode/ or /home/<you>/`;
  return undefined;
}

/** Why `path` cannot be a directory a container writes in, or install re-owns (undefined: it can). */
export function systemPathProblem(path: string): string | undefined {
  const p = normalizeHostPath(path);
  if (p === '/') return 'must not be / (the whole host)';
  if (SYSTEM_DIRECTORIES.includes(p)) return `must not be ${p} itself, a directory of the system; use a folder of your own below it or elsewhere`;
  const virtual = VIRTUAL_DIRECTORIES.find((d) => isWithin(p, d));
  if (virtual) return `must not be inside ${virtual} (a kernel or runtime file system, not kept on disk)`;
  const tree = SYSTEM_TREES.find((d) => isWithin(p, d));
  if (tree) return `must not be inside ${tree} (the system's programs and configuration); use a folder such as /srv/... or /home/<you>/...`;
  return undefined;
}

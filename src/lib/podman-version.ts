import { execFileSync } from 'node:child_process';

/** A podman release, e.g. 4.3.1. */
export interface PodmanVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** Oldest podman this project supports (Debian 12). */
export const OLDEST_SUPPORTED_PODMAN = '4.3.1';
/** Supported: 4.3.0 up to, not including, this. */
export const FIRST_UNSUPPORTED_PODMAN = '6.0.0';

/** "4.3.1", "5.4", "podman version 5.4.2", "4.9.3-dev" -> version; undefined when there is none. */
export function parsePodmanVersion(text: string): PodmanVersion | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

export function compareVersions(a: PodmanVersion, b: PodmanVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export function formatVersion(v: PodmanVersion): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

function v(text: string): PodmanVersion {
  return parsePodmanVersion(text)!;
}

/** True when `version` is older than the release written as `than` (e.g. "4.4.0"). */
export function olderThan(version: PodmanVersion, than: string): boolean {
  return compareVersions(version, v(than)) < 0;
}

/** Podman versions a rule applies to: [from, before). Both ends open when unset. */
export interface VersionRange {
  readonly from?: string;
  readonly before?: string;
}

export function inRange(version: PodmanVersion, range: VersionRange): boolean {
  if (range.from && compareVersions(version, v(range.from)) < 0) return false;
  if (range.before && compareVersions(version, v(range.before)) >= 0) return false;
  return true;
}

/** "podman 4.3.0-4.7.x", "podman before 4.4.0", "podman 4.9.0 and later", "every podman". */
export function describeRange(range: VersionRange): string {
  if (range.from && range.before) {
    const start = v(range.from);
    const end = v(range.before);
    if (start.patch === 0 && end.patch === 0 && start.major === end.major && end.minor === start.minor + 1) return `podman ${start.major}.${start.minor}.x`;
    const last = end.patch > 0 ? `${end.major}.${end.minor}.${end.patch - 1}` : end.minor > 0 ? `${end.major}.${end.minor - 1}.x` : `before ${range.before}`;
    return last.startsWith('before') ? `podman ${range.from} ${last}` : `podman ${range.from}-${last}`;
  }
  if (range.before) return `podman before ${range.before}`;
  if (range.from) return `podman ${range.from} and later`;
  return 'every podman version';
}

/** The version of the podman on PATH (`podman --version`), or undefined when there is none or it does not answer. */
export function detectPodmanVersion(): PodmanVersion | undefined {
  try {
    const out = execFileSync('podman', ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
    return parsePodmanVersion(out);
  } catch {
    return undefined;
  }
}

/** Throws with what is allowed when `text` is not a supported podman version. */
export function parseSupportedVersion(text: string): PodmanVersion {
  const version = /^\d+\.\d+(\.\d+)?$/.test(text) ? parsePodmanVersion(text) : undefined;
  if (!version) throw new Error(`--podman "${text}": expected a version such as 4.3.1 or 5.4, or "all"`);
  if (compareVersions(version, v('4.3.0')) < 0 || compareVersions(version, v(FIRST_UNSUPPORTED_PODMAN)) >= 0) {
    throw new Error(`--podman ${text}: supported versions are 4.3.0 up to 5.x (oldest tested ${OLDEST_SUPPORTED_PODMAN})`);
  }
  return version;
}

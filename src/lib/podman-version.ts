import { podmanVersionText } from './podman-probe';

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

/**
 * -1, 0 or 1, as semver orders releases (it is not used: its ~40 regular expressions, built when it
 * loads, and its range parser cost validate ~5 ms for comparing three numbers).
 */
export function compareVersions(a: PodmanVersion, b: PodmanVersion): number {
  checkRelease(a);
  checkRelease(b);
  return Math.sign(a.major - b.major || a.minor - b.minor || a.patch - b.patch);
}

export function formatVersion(v: PodmanVersion): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

/** True when `version` is older than the release written as `than` (e.g. "4.4.0"). */
export function olderThan(version: PodmanVersion, than: string): boolean {
  return compareVersions(version, release(than)) < 0;
}

/** Podman versions a rule applies to: [from, before). Both ends open when unset. */
export interface VersionRange {
  readonly from?: string;
  readonly before?: string;
}

/** Whether `version` lies in [from, before); a version no release could be is in none. */
export function inRange(version: PodmanVersion, range: VersionRange): boolean {
  const from = range.from === undefined ? undefined : release(range.from);
  const before = range.before === undefined ? undefined : release(range.before);
  if (!isRelease(version)) return false;
  return (!from || compareVersions(version, from) >= 0) && (!before || compareVersions(version, before) < 0);
}

/** "podman 4.3.0-4.7.x", "podman before 4.4.0", "podman 4.9.0 and later", "every podman". */
export function describeRange(range: VersionRange): string {
  const { from, before } = range;
  if (from && before) {
    const start = release(from);
    const end = release(before);
    if (start.patch === 0 && end.patch === 0 && start.major === end.major && end.minor === start.minor + 1) {
      return `podman ${start.major}.${start.minor}.x`;
    }
    // The last release in the range: the patch before `before`, or the minor before it (any patch).
    const last = end.patch > 0 ? `${end.major}.${end.minor}.${end.patch - 1}` : end.minor > 0 ? `${end.major}.${end.minor - 1}.x` : undefined;
    return last ? `podman ${from}-${last}` : `podman ${from} before ${before}`;
  }
  if (before) return `podman before ${formatVersion(release(before))}`;
  if (from) return `podman ${formatVersion(release(from))} and later`;
  return 'every podman version';
}

/** A range end such as "4.4.0"; throws on anything else, so a typo in a rule is found at once. */
function release(text: string): PodmanVersion {
  const m = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/.exec(text.trim());
  const version = m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : undefined;
  if (!version || !isRelease(version)) throw new Error(`"${text}" is not a podman release such as 4.4.0`);
  return version;
}

/** Every part a whole number JavaScript holds exactly (semver's limit too). */
function isRelease(v: PodmanVersion): boolean {
  return Number.isSafeInteger(v.major) && Number.isSafeInteger(v.minor) && Number.isSafeInteger(v.patch);
}

/** Throws what semver throws for a version no release could be (numbers past 2^53, or not written in digits). */
function checkRelease(v: PodmanVersion): void {
  const parts = ['major', 'minor', 'patch'] as const;
  if (!parts.every((part) => /^\d+$/.test(String(v[part])))) throw new TypeError(`Invalid Version: ${formatVersion(v)}`);
  for (const part of parts) if (!Number.isSafeInteger(v[part])) throw new TypeError(`Invalid ${part} version`);
}

/** The version of the podman on PATH (`podman --version`), or undefined when there is none or it does not answer. */
export function detectPodmanVersion(): PodmanVersion | undefined {
  const text = podmanVersionText();
  return text === undefined ? undefined : parsePodmanVersion(text);
}

/** Throws with what is allowed when `text` is not a supported podman version. */
export function parseSupportedVersion(text: string): PodmanVersion {
  const version = /^\d+\.\d+(\.\d+)?$/.test(text) ? parsePodmanVersion(text) : undefined;
  if (!version) throw new Error(`--podman "${text}": expected a version such as 4.3.1 or 5.4, or "all"`);
  if (!inRange(version, { from: '4.3.0', before: FIRST_UNSUPPORTED_PODMAN })) {
    throw new Error(`--podman ${text}: supported versions are 4.3.0 up to 5.x (oldest tested ${OLDEST_SUPPORTED_PODMAN})`);
  }
  return version;
}

import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { OPENCODE_ARCHES, OpenCodeArch } from './opencode-containerfile';

/** Where the OpenCode release binary comes from. */
export interface ReleaseSource {
  readonly version: string;
  readonly arch: OpenCodeArch;
  /** A release tarball already on disk: the npm package (opencode-linux-<arch>-<version>.tgz) or a release .tar.gz holding `opencode`. */
  readonly tarball?: string;
  /** npm cache folder to use (filled from the registry npm is configured for, unless offline). */
  readonly npmCache?: string;
  /** Never touch the network: the tarball, or the npm cache, must already hold the release. */
  readonly offline?: boolean;
}

/** The unpacked release binary and what it came from (for the image's labels). */
export interface FetchedRelease {
  readonly binary: string;
  /** e.g. npm:opencode-linux-x64@1.18.34, or file:opencode-linux-x64.tar.gz */
  readonly source: string;
  /** Subresource-integrity digest of the tarball (sha512-...). */
  readonly integrity: string;
}

/** Thrown for a release that cannot be had or is not what was asked for. */
export class ReleaseError extends Error {}

/** npm package of the release binary for an architecture. */
export function releasePackage(version: string, arch: OpenCodeArch): string {
  return `opencode-linux-${OPENCODE_ARCHES[arch]}@${version}`;
}

/** Fetches (or takes) the release tarball and unpacks the binary into `workDir`. */
export function fetchRelease(src: ReleaseSource, workDir: string, log: (line: string) => void): FetchedRelease {
  mkdirSync(workDir, { recursive: true });
  let tarball: string;
  let source: string;
  if (src.tarball) {
    if (!existsSync(src.tarball)) throw new ReleaseError(`--tarball ${src.tarball}: no such file`);
    tarball = src.tarball;
    source = `file:${basename(src.tarball)}`;
    log(`using the release tarball ${src.tarball}`);
  } else {
    const pkg = releasePackage(src.version, src.arch);
    const args = ['pack', pkg, '--pack-destination', workDir, '--json', '--ignore-scripts'];
    if (src.npmCache) args.push('--cache', src.npmCache);
    if (src.offline) args.push('--offline');
    log(`fetching ${pkg} with npm${src.npmCache ? ` (cache ${src.npmCache})` : ''}${src.offline ? ', offline' : ''}`);
    // npm's own configuration decides the registry; nothing here names one.
    const res = spawnSync('npm', args, { encoding: 'utf8', maxBuffer: 16 << 20 });
    if (res.error) throw new ReleaseError(`npm cannot run: ${res.error.message}`);
    if (res.status !== 0 && /E404|ETARGET|404 Not Found/.test(res.stderr || '')) {
      throw new ReleaseError(
        `${pkg} is not on the npm registry: OpenCode ${src.version} has no ${src.arch} build (npm view opencode-linux-${OPENCODE_ARCHES[src.arch]} versions lists those that do); set services.opencode.version to one of them`,
      );
    }
    if (res.status !== 0) {
      const why = (res.stderr || '')
        .split('\n')
        .filter((l) => /ERR|error/i.test(l))
        .slice(0, 4)
        .join('\n  ');
      throw new ReleaseError(`npm pack ${pkg} failed${src.offline ? ' (offline: is it in the npm cache?)' : ''}:\n  ${why || `exit ${res.status}`}`);
    }
    const packed = JSON.parse(res.stdout) as Array<{ filename: string }>;
    tarball = join(workDir, packed[0].filename);
    source = `npm:${pkg}`;
  }
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const unpacked = join(workDir, 'unpacked');
  mkdirSync(unpacked, { recursive: true });
  try {
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new ReleaseError(`${tarball} is not a gzipped tar: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`);
  }
  const binary = ['package/bin/opencode', 'opencode', 'bin/opencode'].map((p) => join(unpacked, p)).find((p) => existsSync(p));
  if (!binary) throw new ReleaseError(`${tarball} holds no opencode binary (looked for package/bin/opencode, opencode, bin/opencode)`);
  return { binary, source, integrity };
}

/** `opencode --version` of the binary, when it can run on this machine; undefined otherwise. */
export function binaryVersion(binary: string, arch: OpenCodeArch, home: string): string | undefined {
  if (hostArch() !== arch) return undefined;
  const res = spawnSync(binary, ['--version'], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: undefined, XDG_DATA_HOME: undefined },
  });
  if (res.status !== 0) throw new ReleaseError(`${binary} --version failed (exit ${res.status}): ${(res.stderr || '').trim().slice(0, 200)}`);
  return res.stdout.trim();
}

/** This machine's architecture in the names `image build` uses, if it is one of them. */
export function hostArch(): OpenCodeArch | undefined {
  return process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : undefined;
}

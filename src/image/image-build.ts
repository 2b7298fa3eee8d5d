import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_OPENCODE_BASE, OPENCODE_ARCHES, OpenCodeArch, renderOpenCodeContainerfile } from './opencode-containerfile';
import { binaryVersion, fetchRelease, hostArch, ReleaseError, ReleaseSource } from './opencode-release';

/** Labels the built image carries; `image build` reads them back to skip a build already done. */
export const IMAGE_LABELS = {
  version: 'org.opencontainers.image.version',
  title: 'org.opencontainers.image.title',
  source: 'io.github.opencode-memory-pod.opencode.source',
  integrity: 'io.github.opencode-memory-pod.opencode.integrity',
  arch: 'io.github.opencode-memory-pod.opencode.arch',
  base: 'io.github.opencode-memory-pod.base',
} as const;

export interface ImageBuildOptions extends Omit<ReleaseSource, 'arch'> {
  /** Image to make, e.g. localhost/opencode-server:1.18.34. */
  readonly tag: string;
  readonly arch?: OpenCodeArch;
  /** Base image (Debian-based); default DEFAULT_OPENCODE_BASE. */
  readonly base?: string;
  /** Build even when the tag already holds this version for this architecture. */
  readonly force?: boolean;
  /** Build every layer again (podman build --no-cache): a fresh apt-get of the tools. */
  readonly noCache?: boolean;
  /** Write the build context (Containerfile + binary) here and stop: for a build elsewhere. */
  readonly contextOnly?: string;
}

/** Thrown when podman fails; the message says what to do. */
export class ImageBuildError extends Error {}

/**
 * Builds the OpenCode server image with podman from a pinned official release. Progress goes to
 * `log` as it happens (podman's own output to the terminal); failures throw ReleaseError or
 * ImageBuildError.
 */
export function buildOpenCodeImage(o: ImageBuildOptions, log: (line: string) => void): void {
  const arch = o.arch ?? hostArch();
  if (!arch)
    throw new ImageBuildError(
      `this machine's architecture (${process.arch}) has no OpenCode release binary; pass --arch ${Object.keys(OPENCODE_ARCHES).join(' or ')}`,
    );
  const base = o.base ?? DEFAULT_OPENCODE_BASE;
  if (!o.contextOnly) {
    const existing = builtLabels(o.tag);
    if (existing && !o.force) {
      if (existing[IMAGE_LABELS.version] === o.version && existing[IMAGE_LABELS.arch] === arch) {
        log(`${o.tag} is already built (OpenCode ${o.version}, ${arch}, from ${existing[IMAGE_LABELS.source]}); --force builds it again`);
        return;
      }
      throw new ImageBuildError(
        `${o.tag} exists but holds ${existing[IMAGE_LABELS.version] ? `OpenCode ${existing[IMAGE_LABELS.version]} for ${existing[IMAGE_LABELS.arch]}` : 'an image that image build did not make'}; --force replaces the tag`,
      );
    }
  }
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'omp-image-'));
  try {
    const release = fetchRelease({ ...o, arch }, join(work, 'release'), log);
    const reported = binaryVersion(release.binary, arch, join(work, 'home'));
    if (reported !== undefined && reported !== o.version) {
      throw new ReleaseError(`the release binary says it is ${reported}, not ${o.version}`);
    }
    log(
      reported
        ? `release binary: OpenCode ${reported} (${release.integrity.slice(0, 22)}...)`
        : `release binary for ${arch} (not run here: another architecture)`,
    );
    const ctx = o.contextOnly ?? join(work, 'context');
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, 'Containerfile'), renderOpenCodeContainerfile());
    copyFileSync(release.binary, join(ctx, 'opencode'));
    chmodSync(join(ctx, 'opencode'), 0o755);
    const labels: Record<string, string> = {
      [IMAGE_LABELS.title]: 'opencode-server',
      [IMAGE_LABELS.version]: o.version,
      [IMAGE_LABELS.source]: release.source,
      [IMAGE_LABELS.integrity]: release.integrity,
      [IMAGE_LABELS.arch]: arch,
      [IMAGE_LABELS.base]: base,
    };
    const args = [
      'build',
      ...(o.noCache ? ['--no-cache'] : []),
      '--platform',
      `linux/${arch}`,
      '--build-arg',
      `BASE=${base}`,
      ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
      '-t',
      o.tag,
      '-f',
      join(ctx, 'Containerfile'),
      ctx,
    ];
    if (o.contextOnly) {
      log(`wrote the build context to ${ctx}; build it with:`);
      log(`  podman ${args.map(shellQuote).join(' ')}`);
      return;
    }
    log(`building ${o.tag} FROM ${base} (podman build)`);
    const res = spawnSync('podman', args, { stdio: ['ignore', 'inherit', 'inherit'] });
    if (res.error) throw new ImageBuildError(`podman cannot run: ${res.error.message}`);
    if (res.status !== 0) {
      throw new ImageBuildError(
        `podman build failed (exit ${res.status}). Offline? The base ${base} must be present (podman pull ${base}) or name a local one with --base; its package sources must be reachable unless it already has ${'git, ripgrep, tini, busybox'}`,
      );
    }
    if (reported !== undefined) {
      // The binary must run in the image, not only on this host (libc, loader, architecture).
      const run = spawnSync('podman', ['run', '--rm', '--network', 'none', '--entrypoint', 'opencode', o.tag, '--version'], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      if (run.status !== 0 || run.stdout.trim() !== o.version) {
        throw new ImageBuildError(
          `the built image does not run opencode --version (exit ${run.status}): ${(run.stderr || run.stdout || '').trim().slice(0, 300)}`,
        );
      }
    }
    log(`built ${o.tag}: OpenCode ${o.version} for ${arch}, from ${release.source}, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The labels of a local image, or undefined when there is none with that name. */
function builtLabels(tag: string): Record<string, string> | undefined {
  const res = spawnSync('podman', ['image', 'inspect', '--format', '{{json .Labels}}', tag], { encoding: 'utf8' });
  if (res.error) throw new ImageBuildError(`podman cannot run: ${res.error.message}`);
  if (res.status !== 0) return undefined;
  return (JSON.parse(res.stdout.trim() || 'null') as Record<string, string> | null) ?? {};
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ConfigError } from '../lib/config-error';
import { configPathOrDefault, loadConfigFile } from '../config/load';
import { buildOpenCodeImage, ImageBuildError } from '../image/image-build';
import { builtOpenCodeImage, isBuiltOpenCodeImage, resolveOpenCodeImage } from '../image/opencode-image';
import { OpenCodeArch } from '../image/opencode-containerfile';
import { ReleaseError } from '../image/opencode-release';
import { parseImageRef } from '../lib/image-ref';
import { pinnedReference, PodmanRun, RecordedImage, RecordError, renderRecord, writeRecord } from '../image/image-digests';
import type { InstallPlan } from '../render/podman-files';
import { readPlanOrSay } from './dist-plan';

export interface ImageBuildCommandOptions {
  readonly config?: string;
  /** Validated by the CLI (commander's .choices()). */
  readonly arch?: OpenCodeArch;
  readonly base?: string;
  readonly tarball?: string;
  readonly npmCache?: string;
  readonly offline?: boolean;
  readonly force?: boolean;
  readonly noCache?: boolean;
  readonly tag?: string;
  readonly context?: string;
}

/** Exit codes: 0 built (or already there), 1 the release or the build failed, 2 bad options or configuration. */
export function runImageBuild(o: ImageBuildCommandOptions, log: (line: string) => void = console.log, err: (line: string) => void = console.error): number {
  let config;
  try {
    config = loadConfigFile(configPathOrDefault(o.config)); // its errors name the file already
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`opencode-memory-pod: ${e.message}`);
    return 2;
  }
  const { version } = config.services.opencode;
  const { image } = resolveOpenCodeImage(config.services.opencode);
  if (!o.tag && !isBuiltOpenCodeImage(image)) {
    err(
      `opencode-memory-pod: services.opencode.image is ${image}, which image build does not make; remove it to run ${builtOpenCodeImage(version)}, or pass --tag`,
    );
    return 2;
  }
  const say = (line: string) => log(`opencode-memory-pod: ${line}`);
  try {
    buildOpenCodeImage(
      {
        version,
        tag: o.tag ?? image,
        arch: o.arch,
        base: o.base,
        tarball: o.tarball,
        npmCache: o.npmCache,
        offline: o.offline,
        force: o.force,
        noCache: o.noCache,
        contextOnly: o.context,
      },
      say,
    );
    return 0;
  } catch (e) {
    if (e instanceof ReleaseError || e instanceof ImageBuildError) {
      err(`opencode-memory-pod: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

/** podman, run to completion; what it printed. */
const runPodman: PodmanRun = (args) => {
  const r = spawnSync('podman', args, { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? r.error?.message ?? '' };
};

export interface ImagePullOptions {
  readonly from: string;
  /** Also write the digest of every pulled image there (see image/image-digests.ts). */
  readonly record?: string;
}

/**
 * `image pull`: pulls each image the synthesized pod runs that is not in local storage yet, so the
 * unit's first start neither waits for a registry nor runs into its start timeout. The OpenCode
 * image is built, not pulled: for it, the build command is printed. With `record`, writes the
 * digest of each image it holds to that file, all or nothing. Exit 0 all present (and recorded),
 * 1 a pull failed, the OpenCode image is missing or the record could not be written, 2 no dist/.
 */
export function runImagePull(
  o: ImagePullOptions,
  log: (line: string) => void = console.log,
  err: (line: string) => void = console.error,
  podman: PodmanRun = runPodman,
): number {
  const plan = readPlanOrSay(o.from, err);
  if (!plan) return 2;
  let rc = 0;
  for (const { service, image, get } of plan.images) {
    if (podman(['image', 'exists', image]).status === 0) {
      log(`opencode-memory-pod: ${service}: ${image} is present`);
      continue;
    }
    if (isBuiltOpenCodeImage(image)) {
      err(`opencode-memory-pod: ${service}: ${image} is missing; build it: ${get}`);
      rc = 1;
      continue;
    }
    log(`opencode-memory-pod: ${service}: pulling ${image}`);
    const res = spawnSync('podman', ['pull', image], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (res.status !== 0) {
      err(`opencode-memory-pod: ${service}: podman pull ${image} failed (exit ${res.status ?? res.error?.message})`);
      rc = 1;
    }
  }
  if (!o.record) return rc;
  if (rc !== 0) {
    err(`opencode-memory-pod: nothing recorded in ${o.record}: an image is missing (above)`);
    return rc;
  }
  return recordDigests(plan.images, o.from, o.record, log, err, podman);
}

/** Writes the record; 0 written, 1 not (said why). */
function recordDigests(
  images: InstallPlan['images'],
  from: string,
  file: string,
  log: (line: string) => void,
  err: (line: string) => void,
  podman: PodmanRun,
): number {
  const recorded: RecordedImage[] = [];
  try {
    for (const { service, image } of images) {
      // A local build has a digest no registry knows: another host builds its own (image build).
      if (parseImageRef(image)?.domain === 'localhost') {
        recorded.push({ service, image, note: 'built on each host, not pulled' });
        continue;
      }
      recorded.push({ service, image, ...pinnedReference(image, podman), note: 'recorded' });
    }
    const version = podman(['--version']).stdout.trim() || 'podman (version unknown)';
    writeRecord(file, renderRecord(recorded, { podman: version, at: new Date().toISOString(), from: join(from, 'install.json') }));
  } catch (e) {
    if (!(e instanceof RecordError) && !(e as NodeJS.ErrnoException).code) throw e;
    err(`opencode-memory-pod: ${(e as Error).message}${e instanceof RecordError ? '' : `; nothing recorded in ${file}`}`);
    return 1;
  }
  for (const r of recorded) log(`opencode-memory-pod: ${r.service}: ${r.pinned ? `recorded ${r.pinned}` : `not recorded: ${r.image} is ${r.note}`}`);
  log(`opencode-memory-pod: wrote ${file}: copy its services entries into your configuration, then synth again`);
  return 0;
}

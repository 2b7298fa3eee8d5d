import { spawnSync } from 'node:child_process';
import { ConfigError } from '../lib/config-error';
import { configPathOrDefault, loadConfigFile } from '../config/load';
import { buildOpenCodeImage, ImageBuildError } from '../image/image-build';
import { builtOpenCodeImage, isBuiltOpenCodeImage, resolveOpenCodeImage } from '../image/opencode-image';
import { OpenCodeArch } from '../image/opencode-containerfile';
import { ReleaseError } from '../image/opencode-release';
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

/**
 * `image pull`: pulls each image the synthesized pod runs that is not in local storage yet, so the
 * unit's first start neither waits for a registry nor runs into its start timeout. The OpenCode
 * image is built, not pulled: for it, the build command is printed. Exit 0 all present, 1 a pull
 * failed or the OpenCode image is missing, 2 no dist/.
 */
export function runImagePull(o: { from: string }, log: (line: string) => void = console.log, err: (line: string) => void = console.error): number {
  const plan = readPlanOrSay(o.from, err);
  if (!plan) return 2;
  let rc = 0;
  for (const { service, image, get } of plan.images) {
    if (spawnSync('podman', ['image', 'exists', image]).status === 0) {
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
  return rc;
}

import { spawnSync } from 'node:child_process';

/** What a compose file leaves to the image and the importer can learn only from the image itself. */
export interface ImageConfig {
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /** The image's HEALTHCHECK test (["CMD", ...], ["CMD-SHELL", "..."], ["NONE"]) and timings in seconds. */
  readonly healthcheck?: {
    readonly test: readonly string[];
    readonly intervalSeconds?: number;
    readonly timeoutSeconds?: number;
    readonly retries?: number;
    readonly startPeriodSeconds?: number;
  };
}

/** Reads an image's configuration; undefined when it is not known (not here, no podman). */
export type ImageInspector = (image: string) => ImageConfig | undefined;

/** No image is known: every command the compose file leaves to the image becomes a TODO. */
export const NO_IMAGES: ImageInspector = () => undefined;

/**
 * `podman image inspect` of an image already on this host (never pulls). Bounded by a timeout: a
 * podman that hangs (its lock held by a stuck process, seen on 4.3.1) must not hang the import.
 */
export function podmanImageInspector(podman = 'podman'): ImageInspector {
  return (image) => {
    const r = spawnSync(podman, ['image', 'inspect', '--format', 'json', image], { encoding: 'utf8', timeout: 20_000 });
    if (r.status !== 0 || !r.stdout) return undefined;
    try {
      return imageConfigOf(JSON.parse(r.stdout));
    } catch {
      return undefined;
    }
  };
}

/** The parts of `podman image inspect --format json` output the importer uses. */
export function imageConfigOf(inspected: unknown): ImageConfig | undefined {
  const first = Array.isArray(inspected) ? inspected[0] : undefined;
  const config = (first as { Config?: Record<string, unknown> } | undefined)?.Config;
  if (!config) return undefined;
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
  const hc = config.Healthcheck as Record<string, unknown> | undefined;
  // podman reports the timings in nanoseconds.
  const seconds = (v: unknown) => (typeof v === 'number' && v > 0 ? Math.max(1, Math.ceil(v / 1e9)) : undefined);
  return {
    entrypoint: strings(config.Entrypoint),
    cmd: strings(config.Cmd),
    healthcheck:
      hc && strings(hc.Test).length
        ? {
            test: strings(hc.Test),
            intervalSeconds: seconds(hc.Interval),
            timeoutSeconds: seconds(hc.Timeout),
            retries: typeof hc.Retries === 'number' && hc.Retries > 0 ? hc.Retries : undefined,
            startPeriodSeconds: seconds(hc.StartPeriod),
          }
        : undefined,
  };
}

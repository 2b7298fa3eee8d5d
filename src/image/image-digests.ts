import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dump } from 'js-yaml';
import { parseImageRef } from '../lib/image-ref';

/*
 * `image pull --record FILE`: the digest of every image this host pulled, as `name:tag@sha256:...`,
 * written as the `services.<name>.image` entries of a configuration file. Copied into the
 * configuration (or used as it, when there is none), synth puts them in pod.yaml, and every other
 * host runs exactly these images: podman runs `name:tag@digest` by the digest (the tag is kept for
 * the reader), a local image with that digest (on 5.x only one named in the same repository; 4.3.1
 * takes any), else it pulls by the digest (kube play with IfNotPresent; test:rules, moving-tag).
 */

/** The first line of a record: a file that starts otherwise is not ours, and is never replaced. */
export const RECORD_MARKER = '# Image digests recorded by `opencode-memory-pod image pull --record`.';

/** Runs podman with arguments; the exit status and what it printed. */
export type PodmanRun = (args: readonly string[]) => { readonly status: number | null; readonly stdout: string; readonly stderr?: string };

/** One image of the pod and how it is recorded. */
export interface RecordedImage {
  readonly service: string;
  /** The reference the pod names now (install.json). */
  readonly image: string;
  /** `name:tag@sha256:...`; undefined when not recorded (see `note`). */
  readonly pinned?: string;
  /** os/arch of the image recorded. */
  readonly platform?: string;
  /** Why the image is not recorded, or how it was. */
  readonly note: string;
}

export class RecordError extends Error {}

/**
 * The digest reference of an image present on this host, and its platform (os/arch). Throws
 * RecordError when podman cannot say, or when the reference it gives does not resolve to the same
 * image (then it must not be written).
 */
export function pinnedReference(image: string, podman: PodmanRun): { readonly pinned: string; readonly platform: string } {
  const ref = parseImageRef(image);
  if (!ref) throw new RecordError(`${image} is not an image reference podman reads`);
  const inspect = podman(['image', 'inspect', '--format', '{{.Id}} {{.Digest}} {{.Os}}/{{.Architecture}}', image]);
  const [id, digest, platform] = inspect.stdout.trim().split(/\s+/);
  if (inspect.status !== 0 || !id || !/^sha256:[0-9a-f]{64}$/.test(digest ?? ''))
    throw new RecordError(`podman image inspect ${image} gave no digest (exit ${inspect.status}: ${(inspect.stderr || inspect.stdout).trim().split('\n')[0]})`);
  // Already pinned by digest: that is what the configuration asked for; keep it as written.
  if (ref.digest) return { pinned: image, platform };
  const pinned = `${image}@${digest}`;
  // What is written must name this image: podman must find it by the new reference, as the same one
  // (podman 4.3.1 finds a local image by its digest whatever its name, so compare the IDs).
  const again = podman(['image', 'inspect', '--format', '{{.Id}}', pinned]);
  if (again.status !== 0 || again.stdout.trim() !== id)
    throw new RecordError(
      `podman does not resolve ${pinned} to the image it holds as ${image} (${again.status === 0 ? again.stdout.trim() : `exit ${again.status}`})`,
    );
  return { pinned, platform };
}

/** The record: a configuration file holding only the images' entries. */
export function renderRecord(images: readonly RecordedImage[], about: { readonly podman: string; readonly at: string; readonly from: string }): string {
  const services = Object.fromEntries(images.filter((i) => i.pinned).map((i) => [i.service, { image: i.pinned }]));
  const skipped = images.filter((i) => !i.pinned).map((i) => `#   ${i.service}: ${i.image} (${i.note})`);
  const platforms = [...new Set(images.flatMap((i) => (i.platform ? [i.platform] : [])))].join(', ');
  return [
    RECORD_MARKER,
    `# From ${about.from} on ${about.at}, ${about.podman}; images for ${platforms || 'no platform'}.`,
    '# A digest names the image pulled for that platform: a host of another one needs its own record.',
    '# Copy the entries into your configuration file (or use this file as it, when you have none) and synth again.',
    ...(skipped.length ? ['# Not recorded:', ...skipped] : []),
    dump({ services }, { lineWidth: -1 }).trimEnd(),
    '',
  ].join('\n');
}

/** Writes the record to `file`, replacing only an earlier record (never a file we did not write). */
export function writeRecord(file: string, text: string): void {
  if (existsSync(file)) {
    let head: string;
    try {
      head = readFileSync(file, 'utf8').split('\n')[0];
    } catch (e) {
      throw new RecordError(`${file} exists and cannot be read (${(e as NodeJS.ErrnoException).code ?? e}); nothing recorded`);
    }
    if (head !== RECORD_MARKER) throw new RecordError(`${file} exists and is not a record image pull wrote; nothing recorded (name another file)`);
  }
  // A whole record or none: a half-written file would pin some services and silently not others.
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

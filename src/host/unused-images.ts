import { BUILT_OPENCODE_REPOSITORY } from '../image/opencode-image';
import type { InstallPlan } from '../render/podman-files';
import type { Check } from './check';
import type { DoctorHost } from './doctor-host';

/** `docker.io/valkey/valkey:7.2.14@sha256:...` -> `docker.io/valkey/valkey` (configured images are fully qualified). */
export function repositoryOf(image: string): string {
  const name = image.split('@')[0];
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? name.slice(0, colon) : name;
}

/** `repo:tag` without a digest: how `podman images` lists a tag. */
function tagged(image: string): string {
  return image.split('@')[0];
}

/** An image ID in one form: the hex, no `sha256:` prefix, cut to podman's short length. */
function shortId(id: string): string {
  return id
    .trim()
    .replace(/^sha256:/, '')
    .slice(0, 12);
}

/**
 * doctor: images of this project that nothing here uses any more, each with the `podman rmi` line.
 * Ours are those in the repositories the configuration's images come from (the same repository,
 * another tag: an OpenCode version built before, a store image pulled before an upgrade), and every
 * `image build` (localhost/opencode-server). In use: the images of dist/ (`plan`), of every pod
 * installed here (`installedImages`, from the receipts) and of any container, running or not.
 * A note, not a problem: the old image is what going back to the old version starts from.
 */
export function checkUnusedImages(plan: InstallPlan, installedImages: readonly string[], host: DoctorHost): Check[] {
  // Once each: after an install dist/'s images and the receipt's are the same list.
  const used = [...new Set([...(plan.images ?? []).map((i) => i.image), ...installedImages])];
  const repositories = new Set([BUILT_OPENCODE_REPOSITORY, ...used.map(repositoryOf)]);
  const listed = host.run('podman', ['images', '--no-trunc', '--format', '{{.Repository}}|{{.Tag}}|{{.ID}}|{{.Size}}']);
  if (listed?.status !== 0) return [];
  const usedIds = new Set<string>();
  for (const image of used) {
    const r = host.run('podman', ['image', 'inspect', '--format', '{{.Id}}', image]);
    if (r?.status === 0 && r.stdout.trim()) usedIds.add(shortId(r.stdout));
  }
  const containers = host.run('podman', ['ps', '--all', '--no-trunc', '--format', '{{.ImageID}}']);
  for (const id of containers?.status === 0 ? containers.stdout.split('\n') : []) if (id.trim()) usedIds.add(shortId(id));
  const usedTags = new Set(used.map(tagged));
  const out: Check[] = [];
  for (const line of listed.stdout.split('\n')) {
    const [repository, tag, id, size] = line.split('|');
    if (!repository || !tag || tag === '<none>' || !id || !repositories.has(repository)) continue;
    const image = `${repository}:${tag}`;
    if (usedTags.has(image) || usedIds.has(shortId(id))) continue;
    out.push({
      severity: 'info',
      message: `image ${image} (${size?.trim() || 'size unknown'}) is used by no configuration here (not by dist/, by no installed pod, by no container): going back to it needs it; else it only takes space`,
      fix: `podman rmi ${image}`,
    });
  }
  return out;
}

/** The parts of an image reference that decide how podman finds and pulls it. */
export interface ImageRef {
  /** Registry, when the first path component is one (has a dot or a port, or is `localhost`). */
  readonly domain?: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** `docker.io/valkey/valkey:7.2` -> { domain: 'docker.io', tag: '7.2' }; `nginx` -> {}. */
export function parseImageRef(image: string): ImageRef {
  const [rest, digest] = image.split('@');
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  const domain = first && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : undefined;
  const last = rest.slice(rest.lastIndexOf('/') + 1);
  const colon = last.lastIndexOf(':');
  return { domain, tag: colon < 0 ? undefined : last.slice(colon + 1), digest };
}

/** Names one version: a digest, or a tag other than `latest`. */
export function isPinned(ref: ImageRef): boolean {
  return Boolean(ref.digest) || (ref.tag !== undefined && ref.tag !== 'latest');
}

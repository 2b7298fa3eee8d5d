// The one grammar of an image reference, written once in parts. The configuration's pattern (also
// in dist/config.schema.json) and the parser the validator's image rules use are both made of it.
const DOMAIN = '(localhost|[a-z0-9-]+(\\.[a-z0-9-]+)+(:\\d+)?|[a-z0-9-]+:\\d+)';
const PATH = '[a-z0-9._\\/-]+';
const TAG = '[A-Za-z0-9_][A-Za-z0-9._-]{0,127}';
const DIGEST = 'sha256:[a-f0-9]{64}';

/**
 * A fully qualified reference: the first path component is a registry (has a dot or a port, or is
 * `localhost`), as podman needs to find an image without asking registries.conf.
 */
export const FULLY_QUALIFIED_IMAGE = new RegExp(`^${DOMAIN}\\/${PATH}(:${TAG})?(@${DIGEST})?$`);

/** The same grammar with the registry optional, its parts named. */
const REFERENCE = new RegExp(`^(?:(?<domain>${DOMAIN})\\/)?(?<path>${PATH})(?::(?<tag>${TAG}))?(?:@(?<digest>${DIGEST}))?$`);

/** The parts of an image reference that decide how podman finds and pulls it. */
export interface ImageRef {
  /** Registry, when the first path component is one (has a dot or a port, or is `localhost`). */
  readonly domain?: string;
  readonly tag?: string;
  readonly digest?: string;
}

/**
 * `docker.io/valkey/valkey:7.2` -> { domain: 'docker.io', tag: '7.2' }; `nginx` -> {};
 * undefined for what the grammar does not read (upper case, spaces, a digest other than sha256).
 */
export function parseImageRef(image: string): ImageRef | undefined {
  const parts = REFERENCE.exec(image)?.groups;
  if (!parts) return undefined;
  const { domain, tag, digest } = parts;
  return { domain, tag, digest };
}

/** Names one version: a digest, or a tag other than `latest`. */
export function isPinned(ref: ImageRef): boolean {
  return Boolean(ref.digest) || (ref.tag !== undefined && ref.tag !== 'latest');
}

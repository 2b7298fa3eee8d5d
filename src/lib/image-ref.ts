// Image references, read the way podman reads them (containers/image's docker/reference: its
// grammar, and the rule that decides whether the first path component names a registry). The
// configuration's pattern below accepts a stricter part of the same language.

// Podman's grammar, in parts.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const REGISTRY_HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const NAME_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const ANY_TAG = '[\\w][\\w.-]{0,127}';
const ANY_DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REGISTRY = new RegExp(`^${REGISTRY_HOST}$`);
const REPOSITORY = new RegExp(`^(?<path>${NAME_COMPONENT}(?:\\/${NAME_COMPONENT})*)(?::(?<tag>${ANY_TAG}))?(?:@(?<digest>${ANY_DIGEST}))?$`);
/** containers/image's limit on a repository name (registry and path). */
const NAME_TOTAL_LENGTH_MAX = 255;

/**
 * A fully qualified reference, as the configuration accepts it: a lower-case registry (has a dot or
 * a port, or is `localhost`), a path, an optional tag and an optional sha256 digest. Stricter than
 * podman on purpose (no upper case, no IPv6 registry); kept as written, since config.schema.json
 * carries it.
 */
export const FULLY_QUALIFIED_IMAGE = new RegExp(
  '^(localhost|[a-z0-9-]+(\\.[a-z0-9-]+)+(:\\d+)?|[a-z0-9-]+:\\d+)\\/[a-z0-9._\\/-]+(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(@sha256:[a-f0-9]{64})?$',
);

/** The parts of an image reference that decide how podman finds and pulls it. */
export interface ImageRef {
  /** Registry, when the first path component is one (has a dot or a port, is `localhost`, or has upper case). */
  readonly domain?: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** A reference read, or why podman refuses it. */
export type ImageRefReading = { readonly ref: ImageRef } | { readonly problem: string };

/**
 * `docker.io/valkey/valkey:7.2` -> { domain: 'docker.io', tag: '7.2' }; `nginx` -> {};
 * `NGINX` -> the reason podman refuses it.
 */
export function readImageRef(image: string): ImageRefReading {
  // Podman's rule: the first component names a registry when it has a dot or a colon, is
  // `localhost`, or has upper case (a repository path never may).
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  const isRegistry = first !== '' && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
  const domain = isRegistry ? first : undefined;
  const rest = isRegistry ? image.slice(slash + 1) : image;
  if (domain !== undefined && !REGISTRY.test(domain))
    return { problem: `"${domain}" is not a registry name (letters, digits, - and ., then an optional :port)` };
  const parts = REPOSITORY.exec(rest)?.groups;
  if (!parts) {
    const path = rest.split(/[:@]/)[0];
    const why = path !== path.toLowerCase() ? 'the repository name must be lower case' : 'not a valid image reference (name[:tag][@digest])';
    return { problem: why };
  }
  const nameLength = (domain ? domain.length + 1 : 0) + parts.path.length;
  if (nameLength > NAME_TOTAL_LENGTH_MAX) return { problem: `the repository name is longer than ${NAME_TOTAL_LENGTH_MAX} characters` };
  return { ref: { domain, tag: parts.tag, digest: parts.digest } };
}

/** The parts of a reference podman reads; undefined for one it refuses (see readImageRef for why). */
export function parseImageRef(image: string): ImageRef | undefined {
  const reading = readImageRef(image);
  return 'ref' in reading ? reading.ref : undefined;
}

/** Names whatever was pushed last: no tag or `:latest`, and no digest. */
export function isLatest(ref: ImageRef): boolean {
  return !ref.digest && (ref.tag === undefined || ref.tag === 'latest');
}

/**
 * A tag that names one release by convention: a full version of three or more numbers, with or
 * without a leading v and a variant after it (7.2.14, v4.20.4, 7.2.14-alpine3.21, 7.84.6-jmx, 3.13.0rc1), or a
 * date stamp (bookworm-YYYYMMDD-slim, as Debian tags its snapshots). What publishers move to each
 * new release (`7.2`, `7`, `v4`, `stable`, `edge`, `main`, `alpine`, `bookworm`, `7.2-alpine`) names
 * a line of releases instead.
 */
const VERSION_TAG = /^v?\d+\.\d+\.\d+(?:[a-zA-Z._-][\w.-]*)?$/;
const DATE_STAMP = /(?:^|\D)(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:\D|$)/;

/** The tag names one release (see VERSION_TAG); false for a tag that moves. */
export function isVersionTag(tag: string): boolean {
  return VERSION_TAG.test(tag) || DATE_STAMP.test(tag);
}

/**
 * Names one image: a digest (the bits themselves), or a version tag (one release, by convention:
 * publishers still rebuild a version tag when its base image changes; only a digest is exact).
 */
export function isPinned(ref: ImageRef): boolean {
  return Boolean(ref.digest) || (ref.tag !== undefined && isVersionTag(ref.tag));
}

/**
 * Why the reference names no fixed image although it has a tag: a tag that moves. Undefined for a
 * pinned reference, a `:latest` or untagged one (the configuration refuses those, latest-tag reports
 * them) and a local build (localhost/: built here, never pulled).
 */
export function movingTag(ref: ImageRef): string | undefined {
  if (ref.domain === 'localhost' || isPinned(ref) || isLatest(ref)) return undefined;
  return `:${ref.tag} is a moving tag (it names a line of releases, not one release)`;
}

/** What a pinned reference looks like, for messages. */
export const PIN_ALLOWED =
  'a full version tag (three numbers, e.g. :7.2.14, :v4.20.4, :7.2.14-alpine, or a date stamp) or a digest ' +
  '(name:tag@sha256:<64 hex>, which `opencode-memory-pod image pull --record` writes)';

import { FULLY_QUALIFIED_IMAGE, isLatest, readImageRef } from '../lib/image-ref';

/**
 * A compose image name, fully qualified the way docker reads it (the configuration takes only
 * fully qualified names: podman resolves short ones through registries.conf and, without a
 * terminal, fails on ambiguous ones): postgres:16 -> docker.io/library/postgres:16,
 * bitnami/redis:7 -> docker.io/bitnami/redis:7; a name with a registry stays as it is.
 */
export type ImageReading = { readonly image: string; readonly unpinned?: string } | { readonly problem: string };

export function qualifyImage(name: string): ImageReading {
  const reading = readImageRef(name);
  if ('problem' in reading) return { problem: `not an image reference: ${reading.problem}` };
  let image = name;
  if (!reading.ref.domain) image = `docker.io/${name.includes('/') ? '' : 'library/'}${name}`;
  else if (reading.ref.domain === 'index.docker.io') image = `docker.io/${name.slice('index.docker.io/'.length)}`;
  if (!FULLY_QUALIFIED_IMAGE.test(image))
    return { problem: 'not an image reference the configuration takes (lower case registry and path, optional tag and sha256 digest)' };
  const unpinned =
    isLatest(reading.ref) && reading.ref.domain !== 'localhost'
      ? `${reading.ref.tag ? ':latest' : 'no tag'} names whatever was pushed last; the configuration needs a version tag or a digest`
      : undefined;
  return { image, unpinned };
}

import { parseImageRef } from '../../lib/image-ref';
import { eachContainer } from './helpers';
import { app } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'short-image-name',
  severity: 'warning',
  podman: {},
  title: 'image name without registry',
  doc:
    "podman resolves an image name without registry by the host's configuration (a local image of that name " +
    'first, then unqualified-search-registries, which Debian leaves empty), where Kubernetes means docker.io.',
  fix: 'name the registry, e.g. docker.io/library/nginx:1.27.5',
  observed:
    'the message named only unqualified-search-registries: with both ' +
    'localhost/omp-rules/tools:1 and docker.io/omp-rules/tools:1 present, 4.3.1, 5.4.2 and ' +
    '5.8.6 ran "omp-rules/tools:1" as the localhost one; a short name with no local image ' +
    'failed the play on 4.3.1 and 5.4.2 ("no unqualified-search registries are defined")',
  check: (ctx) =>
    eachContainer(ctx, (c) => {
      const image = c.container.image;
      if (typeof image !== 'string' || !image) return undefined;
      const ref = parseImageRef(image);
      // A reference podman refuses is image-reference-invalid's to report.
      if (!ref || ref.domain) return undefined;
      return {
        path: [...c.path, 'image'],
        message:
          `"${image}" has no registry: podman resolves it by this host's configuration (a local image ` +
          `of that name first, e.g. localhost/${image}, then unqualified-search-registries, which ` +
          'Debian leaves empty, so a missing image fails the play), where Kubernetes means docker.io',
        fix: `name the registry, e.g. docker.io/${image.includes('/') ? image : `library/${image}`}`,
      };
    }),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).image = 'nginx:1.27.5';
        },
        path: 'spec.containers[0].image',
      },
    ],
    nearMiss: [
      (d) => {
        app(d).image = 'localhost/nginx:1.27.5';
      },
    ],
  },
});

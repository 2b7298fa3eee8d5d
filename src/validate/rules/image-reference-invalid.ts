import { readImageRef } from '../../lib/image-ref';
import { eachContainer } from './helpers';
import { app } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'image-reference-invalid',
  severity: 'error',
  podman: {},
  title: 'image reference podman cannot read',
  doc:
    'podman reads an image reference by the registry grammar (lower-case repository, a registry first ' +
    'when the first part has a dot, a port or upper case): a reference outside it fails the play.',
  fix: 'write the image as registry/repository:tag in lower case, e.g. docker.io/library/nginx:1.27.5',
  check: (ctx) =>
    eachContainer(ctx, (c) => {
      const image = c.container.image;
      // An image that is missing or not a string is the schema's to report.
      if (typeof image !== 'string' || !image) return undefined;
      const reading = readImageRef(image);
      if ('ref' in reading) return undefined;
      return {
        path: [...c.path, 'image'],
        message: `podman refuses the image "${image}": ${reading.problem}, so the play fails`,
      };
    }),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).image = 'docker.io/library/NGINX:1.27';
        },
        path: 'spec.containers[0].image',
      },
      {
        edit: (d) => {
          app(d).image = 'my_registry.example/nginx:1.27';
        },
        path: 'spec.containers[0].image',
      },
    ],
    nearMiss: [
      (d) => {
        // Upper case is allowed in a registry's name and in a tag.
        app(d).image = 'Registry.Example:5000/library/nginx:V1.27';
      },
    ],
  },
});

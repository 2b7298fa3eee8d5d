import { isLatest, parseImageRef } from '../../lib/image-ref';
import { eachContainer } from './helpers';
import { app } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'latest-tag',
  severity: 'warning',
  podman: {},
  title: 'image tagged :latest or untagged (except local builds never pulled)',
  doc:
    'Which image runs depends on when it was pulled; and without imagePullPolicy ' +
    'every podman asks the registry on every play whether it changed.',
  fix: 'pin a version tag (or a digest)',
  observed:
    'the message said 4.9+: 4.3.1, 5.4.2 and 5.8.6 all asked ' +
    'the registry for a :latest image without imagePullPolicy',
  check: (ctx) =>
    eachContainer(ctx, (c) => {
      const image = c.container.image;
      if (typeof image !== 'string' || !image) return undefined;
      const ref = parseImageRef(image);
      // A reference podman refuses is image-reference-invalid's to report.
      if (!ref) return undefined;
      // A local build (localhost/...) that is never pulled has nothing to drift from.
      const policy = c.container.imagePullPolicy;
      const neverPulled = ref.domain === 'localhost' && (policy === 'IfNotPresent' || policy === 'Never');
      if (!isLatest(ref) || neverPulled) return undefined;
      return {
        path: [...c.path, 'image'],
        message:
          `"${image}" ${ref.tag ? 'is :latest' : 'has no tag (means :latest)'}: which ` +
          'image runs depends on when it was pulled, and without imagePullPolicy ' +
          'every podman asks the registry on every play whether it changed',
      };
    }),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).image = 'docker.io/library/nginx';
        },
        path: 'spec.containers[0].image',
      },
    ],
    nearMiss: [
      (d) => {
        app(d).image = 'localhost/my-build:latest';
      },
    ],
  },
});

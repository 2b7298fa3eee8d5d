import { movingTag, parseImageRef, PIN_ALLOWED } from '../../lib/image-ref';
import { eachContainer } from './helpers';
import { app } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'moving-tag',
  severity: 'warning',
  podman: {},
  title: 'image tag that moves to each new release (7.2, 7, v4, stable, edge, main, alpine, ...)',
  doc:
    'A tag such as 7.2 or stable names a line of releases; podman runs whatever it holds under that tag ' +
    'and asks no registry again (a tag other than latest is pulled only when missing), so two hosts set up ' +
    'on different days run different images under the same manifest.',
  fix: 'name a full version (e.g. :7.2.14) or a digest (name:tag@sha256:...)',
  check: (ctx) =>
    eachContainer(ctx, (c) => {
      const image = c.container.image;
      if (typeof image !== 'string' || !image) return undefined;
      const ref = parseImageRef(image);
      // A reference podman refuses is image-reference-invalid's; :latest and untagged are latest-tag's.
      const why = ref && movingTag(ref);
      if (!why) return undefined;
      return {
        path: [...c.path, 'image'],
        message:
          `"${image}": ${why}: podman runs whatever this host holds under it and asks the registry ` +
          'only when it holds none, so which release runs depends on when each host pulled it',
        fix: `name ${PIN_ALLOWED}`,
      };
    }),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).image = 'docker.io/library/nginx:1.27';
        },
        path: 'spec.containers[0].image',
      },
      {
        edit: (d) => {
          app(d).image = 'docker.io/library/nginx:stable-alpine';
        },
        path: 'spec.containers[0].image',
      },
    ],
    nearMiss: [
      (d) => {
        app(d).image = 'docker.io/library/nginx:1.27.5-alpine';
      },
      (d) => {
        app(d).image = `docker.io/library/nginx:1.27@sha256:${'0'.repeat(64)}`;
      },
      (d) => {
        app(d).image = 'localhost/my-build:main';
      },
    ],
  },
});

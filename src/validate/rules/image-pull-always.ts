import { eachContainer } from './helpers';
import { app } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'image-pull-always',
  severity: 'warning',
  podman: {},
  title: 'imagePullPolicy: Always',
  doc: 'podman pulls the image on every play: a local build fails to play, and every start needs the registry.',
  fix: 'imagePullPolicy: IfNotPresent',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      c.container.imagePullPolicy === 'Always'
        ? {
            path: [...c.path, 'imagePullPolicy'],
            message:
              `podman pulls "${c.container.image}" on every play: an image that exists only ` +
              'locally (your own build) fails to play, and every start needs the registry',
          }
        : undefined,
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).imagePullPolicy = 'Always';
        },
        path: 'spec.containers[0].imagePullPolicy',
      },
    ],
    nearMiss: [
      (d) => {
        app(d).imagePullPolicy = 'Never';
      },
    ],
  },
});

import { eachContainer } from './helpers';
import { app } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'image-pull-policy-unset',
  severity: 'warning',
  podman: { before: '4.7.0' },
  title: 'imagePullPolicy unset',
  doc: 'Without imagePullPolicy podman before 4.7 uses the policy "newer": it asks the registry on every play.',
  fix: 'imagePullPolicy: IfNotPresent',
  observed:
    'was before 4.9.0: the default policy is "missing" from 4.7.0 ' +
    '(podman d20b5869); 4.3.1 asked the registry, 5.4.2 and 5.8.6 did not',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      c.container.imagePullPolicy === undefined
        ? {
            path: [...c.path, 'image'],
            message:
              'podman before 4.7 uses the pull policy "newer" when none is given: ' +
              `it asks the registry about "${c.container.image}" on every play`,
          }
        : undefined,
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          delete app(d).imagePullPolicy;
        },
        path: 'spec.containers[0].image',
      },
    ],
    nearMiss: [
      (d) => {
        app(d).imagePullPolicy = 'Never';
      },
    ],
  },
});

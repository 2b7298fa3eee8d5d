import { eachContainer, secretRefPaths } from './helpers';
import { app } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'secret-ref-visible',
  severity: 'warning',
  podman: { from: '4.4.0' },
  title: 'secrets passed as environment',
  doc:
    'podman copies secret values passed as environment into the ' +
    "container's configuration: `podman inspect` shows them.",
  fix: 'mount a root-only env file read-only and read it at start, so values reach only the process environment',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      secretRefPaths(c).map((path) => ({
        path,
        message:
          "podman copies secret values into the container's configuration: " +
          `\`podman inspect\` of "${c.name}" shows them in clear text`,
      })),
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).envFrom = [{ secretRef: { name: 'db' } }];
        },
        path: 'spec.containers[0].envFrom[0].secretRef',
      },
    ],
    nearMiss: [
      (d) => {
        app(d).envFrom = [{ configMapRef: { name: 'scripts' } }];
      },
    ],
  },
});

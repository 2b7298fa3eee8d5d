import { eachContainer } from './helpers';
import { app, execProbe } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'readiness-probe-ignored',
  severity: 'warning',
  podman: {},
  title: 'readinessProbe',
  doc: 'podman ignores readinessProbe: nothing waits for the container to be ready, and no health check comes of it.',
  fix: 'use livenessProbe/startupProbe; to order containers, let them wait for health in their entrypoint',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      c.container.readinessProbe !== undefined && !c.init
        ? {
            path: [...c.path, 'readinessProbe'],
            message:
              `podman ignores readinessProbe: nothing waits for "${c.name}" ` +
              'to be ready and no health check is set up from it',
          }
        : undefined,
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).readinessProbe = execProbe();
        },
        path: 'spec.containers[0].readinessProbe',
      },
    ],
    nearMiss: [
      (d) => {
        app(d).livenessProbe = execProbe();
      },
    ],
  },
});

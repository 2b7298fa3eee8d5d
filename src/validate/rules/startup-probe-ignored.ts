import { asObject } from '../pod-specs';
import { eachContainer } from './helpers';
import { app, execProbe } from './example-pod';
import { podmanRule } from './registry';

const num = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);

export default podmanRule({
  id: 'startup-probe-ignored',
  severity: 'warning',
  podman: { before: '4.4.0' },
  title: 'startupProbe that shields a livenessProbe',
  doc:
    'podman 4.3 ignores startupProbe: the liveness probe counts failures from the start, and a container ' +
    'that starts slowly is marked unhealthy (and stopped for good, see liveness-restart-stops).',
  fix:
    'set livenessProbe.initialDelaySeconds to at least the startup ' +
    'window (initialDelaySeconds + periodSeconds x failureThreshold)',
  check: (ctx) =>
    eachContainer(ctx, (c) => {
      const startup = asObject(c.container.startupProbe);
      const liveness = asObject(c.container.livenessProbe);
      if (!startup || !liveness || c.init) return undefined;
      // Kubernetes defaults: periodSeconds 10, failureThreshold 3.
      const delay = num(startup.initialDelaySeconds, 0);
      const window = delay + num(startup.periodSeconds, 10) * num(startup.failureThreshold, 3);
      const livenessStart = num(liveness.initialDelaySeconds, 0);
      if (livenessStart >= window) return undefined;
      return {
        path: [...c.path, 'startupProbe'],
        message:
          `podman 4.3 ignores startupProbe: the liveness probe of "${c.name}" counts failures ` +
          `from ${livenessStart} s, not after the ${window} s startup window; a slow start is ` +
          'marked unhealthy (podman 4.3.1 then stops the container and does not restart it)',
        fix: `set livenessProbe.initialDelaySeconds to at least ${window}`,
      };
    }),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).startupProbe = execProbe({ periodSeconds: 1, failureThreshold: 60 });
          app(d).livenessProbe = execProbe();
        },
        path: 'spec.containers[0].startupProbe',
      },
    ],
    nearMiss: [
      (d) => {
        app(d).startupProbe = execProbe({ periodSeconds: 1, failureThreshold: 60 });
        app(d).livenessProbe = execProbe({ initialDelaySeconds: 60 });
      },
    ],
  },
});

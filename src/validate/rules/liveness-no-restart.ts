import { eachContainer } from './helpers';
import { app, execProbe } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'liveness-no-restart',
  severity: 'info',
  podman: { from: '4.6.0', before: '5.1.0' },
  title: 'livenessProbe (no restart on failure)',
  doc: 'podman 4.6.0-5.0.x mark a container unhealthy when its liveness probe fails, but do not restart it.',
  fix: 'nothing in the manifest; podman 5.1+ restarts again. Watch `podman ps --filter health=unhealthy`',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      !c.init && c.container.livenessProbe
        ? {
            path: [...c.path, 'livenessProbe'],
            message:
              `podman 4.6.0-5.0.x mark "${c.name}" unhealthy when the probe fails but do ` +
              'not restart it (a process that exits is still restarted by restartPolicy)',
          }
        : undefined,
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).livenessProbe = execProbe();
        },
        path: 'spec.containers[0].livenessProbe',
      },
    ],
    nearMiss: [
      (d) => {
        app(d).startupProbe = execProbe();
      },
    ],
  },
});

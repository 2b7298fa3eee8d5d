import { containersOf } from '../pod-specs';
import { eachPod } from './helpers';
import { app, execProbe, pod } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'liveness-restart-stops',
  // info, as liveness-no-restart: nothing in the manifest avoids it.
  severity: 'info',
  podman: { from: '4.3.0', before: '4.4.3' },
  title: 'livenessProbe under restartPolicy Always (stopped, never started again)',
  doc:
    "podman 4.3.0-4.4.2 restart an unhealthy container from the health check's own systemd unit, " +
    'which ends with it: a container whose liveness probe fails is stopped and never started again.',
  fix: 'something outside podman must start it again (opencode-memory-pod installs a watchdog), or podman 4.4.3+',
  observed:
    'new: on 4.3.1 a container whose liveness probe failed under Always exited and was not started again within ' +
    '20 s; 5.4.2 and 5.8.6 started it again within 3 s (fixed in 4.4.3 and 4.5.0, podman 06925d55 and 95634154)',
  check: (ctx) =>
    eachPod(ctx, (pod) =>
      (pod.spec.restartPolicy ?? 'Always') === 'Always'
        ? containersOf(pod)
            .filter((c) => !c.init && c.container.livenessProbe)
            .map((c) => ({
              path: [...c.path, 'livenessProbe'],
              message:
                `podman 4.3.0-4.4.2 restart an unhealthy "${c.name}" from the health check's ` +
                'own systemd unit, which ends with the restarted container: when the probe ' +
                'fails, the container is stopped and never started again (upstream #17777)',
            }))
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
        pod(d).restartPolicy = 'OnFailure';
        app(d).livenessProbe = execProbe();
      },
    ],
  },
});

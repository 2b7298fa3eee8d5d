import { containersOf } from '../pod-specs';
import { eachPod } from './helpers';
import { app, execProbe, pod } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'liveness-restart-onfailure',
  severity: 'warning',
  podman: { before: '5.1.0' },
  title: 'livenessProbe under restartPolicy OnFailure',
  doc:
    'podman before 5.1 restarts a container whose liveness probe fails only under ' +
    'restartPolicy Always: under OnFailure a failing liveness probe restarts nothing.',
  fix: 'restartPolicy: Always (but see init-container-restart-loop when there are init containers), or podman 5.1+',
  observed:
    'was before 4.4.0: the misspelt comparison lasted until 5.1.0 (podman d7fa0aa3); ' +
    '4.3.1 did not restart within 20 s, 5.4.2 and 5.8.6 restarted within 3 s',
  check: (ctx) =>
    eachPod(ctx, (pod) =>
      pod.spec.restartPolicy === 'OnFailure' && containersOf(pod).some((c) => !c.init && c.container.livenessProbe)
        ? {
            path: [...pod.path, 'restartPolicy'],
            message:
              'podman before 5.1 restarts a container whose liveness probe fails only under restartPolicy ' +
              'Always (it compares the policy with a misspelt "onfailure"): under OnFailure a failing ' +
              'liveness probe restarts nothing; a process that exits is still restarted',
          }
        : undefined,
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          pod(d).restartPolicy = 'OnFailure';
          app(d).livenessProbe = execProbe();
        },
        path: 'spec.restartPolicy',
      },
    ],
    nearMiss: [
      (d) => {
        app(d).livenessProbe = execProbe();
      },
    ],
  },
});

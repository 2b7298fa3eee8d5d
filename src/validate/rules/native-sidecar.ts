import { eachContainer } from './helpers';
import { initContainer, pod } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'native-sidecar',
  severity: 'error',
  podman: {},
  title: 'init container with restartPolicy: Always (native sidecar)',
  doc:
    'Kubernetes runs an init container with restartPolicy: Always beside the app as a ' +
    'sidecar; podman has no native sidecars and waits for it to exit, so the pod never starts.',
  fix:
    'make it a regular container; to start others after it, have them ' +
    'wait for its health (opencode-memory-pod does this with launch.sh)',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      c.init && c.container.restartPolicy === 'Always'
        ? {
            path: [...c.path, 'restartPolicy'],
            message:
              'podman has no native sidecars (upstream #20372): it drops ' +
              `restartPolicy and runs "${c.name}" as an ordinary init container; kube ` +
              'play waits for it to exit, forever, and the app containers stay Created',
          }
        : undefined,
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          pod(d).restartPolicy = 'OnFailure';
          pod(d).initContainers = [initContainer({ restartPolicy: 'Always', command: ['sleep', 'infinity'] })];
        },
        path: 'spec.initContainers[0].restartPolicy',
      },
    ],
    nearMiss: [
      (d) => {
        pod(d).restartPolicy = 'OnFailure';
        pod(d).initContainers = [initContainer()];
      },
    ],
  },
});

import { asList } from '../pod-specs';
import { eachPod } from './helpers';
import { initContainer, pod } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'init-container-restart-loop',
  severity: 'error',
  podman: { from: '4.3.0', before: '4.4.0' },
  title: 'init containers under restartPolicy Always (the default)',
  doc:
    "podman 4.3 gives init containers the pod's restartPolicy: " +
    'under Always they run again and again, and kube play may fail.',
  fix: 'set restartPolicy: OnFailure, or do without init containers',
  check: (ctx) =>
    eachPod(ctx, (pod) => {
      const inits = asList(pod.spec.initContainers);
      const policy = pod.spec.restartPolicy ?? 'Always';
      return inits.length && policy === 'Always'
        ? {
            path: [...pod.path, pod.spec.restartPolicy === undefined ? 'initContainers' : 'restartPolicy'],
            message:
              'podman 4.3 gives init containers the pod restartPolicy (Always): they ' +
              'rerun in a loop (140-546 runs seen), kube play takes ~21 s and may ' +
              'fail with "failed to remove once init container ... as it is running"',
          }
        : undefined;
    }),
  examples: {
    bad: [
      {
        edit: (d) => {
          pod(d).initContainers = [initContainer()];
        },
        path: 'spec.restartPolicy',
      },
    ],
    nearMiss: [
      (d) => {
        pod(d).initContainers = [initContainer()];
        pod(d).restartPolicy = 'OnFailure';
      },
    ],
  },
});

import { containersOf, podSpecsOf } from '../../pod-specs';
import { initContainer, pod } from '../example-pod';
import { KubernetesRule } from './kubernetes-rule';

const rule: KubernetesRule = {
  id: 'k8s/native-sidecar-version',
  severity: 'error',
  needs: 29,
  title: 'native sidecars need Kubernetes 1.29 (beta, on by default)',
  doc:
    'Kubernetes 1.28 runs an init container with restartPolicy: Always as a sidecar only with the ' +
    'SidecarContainers feature gate; without it the pod never gets past its init containers.',
  fix: 'use a cluster at Kubernetes 1.29 or later',
  check: (ctx) =>
    podSpecsOf(ctx.doc).flatMap((spec) =>
      containersOf(spec)
        .filter((c) => c.init && c.container.restartPolicy === 'Always')
        .map((c) => ({
          path: [...c.path, 'restartPolicy'],
          message:
            `"${c.name}" is a native sidecar: Kubernetes 1.28 runs it only with the SidecarContainers ` +
            'feature gate; without it the field is dropped and the pod never gets past its init containers',
        })),
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          pod(d).initContainers = [initContainer({ restartPolicy: 'Always', command: ['sleep', 'infinity'] })];
        },
        path: 'spec.initContainers[0].restartPolicy',
      },
    ],
    nearMiss: [
      (d) => {
        // An ordinary init container: runs to the end before the app, on every release.
        pod(d).initContainers = [initContainer()];
      },
    ],
  },
};
export default rule;

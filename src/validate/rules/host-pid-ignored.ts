import { eachPod } from './helpers';
import { pod } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'host-pid-ignored',
  severity: 'warning',
  podman: { before: '4.4.0' },
  title: 'hostPID',
  doc: 'podman before 4.4 ignores hostPID: the containers keep a PID namespace of their own.',
  fix: 'require podman 4.4+, or do without it',
  observed:
    'was `host-namespaces-ignored`, before 4.9.0: hostPID is honoured from 4.4.0 ' +
    '(podman 3ae84fe0); 5.4.2 and 5.8.6 joined the host PID namespace, 4.3.1 did not',
  check: (ctx) =>
    eachPod(ctx, (pod) =>
      pod.spec.hostPID === true
        ? {
            path: [...pod.path, 'hostPID'],
            message: 'podman before 4.4 ignores hostPID: the containers keep a PID namespace of their own',
          }
        : undefined,
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          pod(d).hostPID = true;
        },
        path: 'spec.hostPID',
      },
    ],
    nearMiss: [
      (d) => {
        pod(d).hostPID = false;
      },
    ],
  },
});

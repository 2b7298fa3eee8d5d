import { eachPod } from './helpers';
import { pod } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'host-ipc-ignored',
  severity: 'warning',
  podman: { before: '4.5.0' },
  title: 'hostIPC',
  doc: 'podman before 4.5 ignores hostIPC: the containers keep an IPC namespace of their own.',
  fix: 'require podman 4.5+, or do without it',
  observed:
    'was `host-namespaces-ignored`, before 4.9.0: hostIPC is honoured from 4.5.0 ' +
    '(podman 08186d7d); 5.4.2 and 5.8.6 joined the host IPC namespace, 4.3.1 did not',
  check: (ctx) =>
    eachPod(ctx, (pod) =>
      pod.spec.hostIPC === true
        ? {
            path: [...pod.path, 'hostIPC'],
            message: 'podman before 4.5 ignores hostIPC: the containers keep an IPC namespace of their own',
          }
        : undefined,
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          pod(d).hostIPC = true;
        },
        path: 'spec.hostIPC',
      },
    ],
    nearMiss: [
      (d) => {
        pod(d).hostIPC = false;
      },
    ],
  },
});

import { eachPod } from './helpers';
import { app, execProbe, pod } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'termination-grace-ignored',
  severity: 'info',
  podman: { before: '4.7.0' },
  title: 'terminationGracePeriodSeconds',
  doc:
    'podman before 4.7 ignores terminationGracePeriodSeconds (containers ' +
    "get 10 s to stop), and 4.3.1's kube down kills them without any grace.",
  fix: "stop with `podman pod stop --time <seconds> <pod>` before `podman kube down` (opencode-memory-pod's units do)",
  observed:
    'was before 4.9.0: honoured from 4.7.0 (podman d9a85466); 5.4.2 ' +
    'and 5.8.6 set the stop timeout to the 3 s asked, 4.3.1 kept 10 s',
  check: (ctx) =>
    eachPod(ctx, (pod) =>
      pod.spec.terminationGracePeriodSeconds !== undefined
        ? {
            path: [...pod.path, 'terminationGracePeriodSeconds'],
            message:
              'podman before 4.7 ignores terminationGracePeriodSeconds (containers ' +
              "get 10 s), and 4.3.1's kube down kills them without any grace",
            fix:
              `stop with \`podman pod stop --time ${pod.spec.terminationGracePeriodSeconds} ` +
              "<pod>` before `podman kube down` (opencode-memory-pod's units do)",
          }
        : undefined,
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          pod(d).terminationGracePeriodSeconds = 30;
        },
        path: 'spec.terminationGracePeriodSeconds',
      },
    ],
    // The same field on a probe is not the pod's.
    nearMiss: [
      (d) => {
        app(d).livenessProbe = execProbe({ terminationGracePeriodSeconds: 30 });
      },
    ],
  },
});

import { eachContainer } from './helpers';
import { app, pod } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'container-restart-policy',
  severity: 'warning',
  podman: {},
  title: 'restartPolicy on a regular container',
  doc: "podman ignores a restartPolicy on a regular container; the pod's restartPolicy applies.",
  fix: 'set spec.restartPolicy instead',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      !c.init && c.container.restartPolicy !== undefined
        ? {
            path: [...c.path, 'restartPolicy'],
            message: `podman ignores a container-level restartPolicy on "${c.name}"; the pod's restartPolicy applies`,
          }
        : undefined,
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).restartPolicy = 'Always';
        },
        path: 'spec.containers[0].restartPolicy',
      },
    ],
    nearMiss: [
      (d) => {
        pod(d).restartPolicy = 'OnFailure';
      },
    ],
  },
});

import { asList } from '../pod-specs';
import { eachContainer } from './helpers';
import { initContainer, pod } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'init-container-host-port',
  severity: 'warning',
  podman: {},
  title: 'hostPort on an init container',
  doc: 'podman never publishes the ports of init containers: a hostPort there stays closed.',
  fix: 'declare the port on the app container that listens on it',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      c.init
        ? asList(c.container.ports).flatMap((p, i) =>
            p.hostPort !== undefined
              ? [
                  {
                    path: [...c.path, 'ports', i, 'hostPort'],
                    message:
                      'podman never publishes ports of init containers: ' +
                      `host port ${p.hostPort} of "${c.name}" stays closed`,
                  },
                ]
              : [],
          )
        : undefined,
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          pod(d).restartPolicy = 'OnFailure';
          const ports = [{ containerPort: 9000, hostPort: 9000, hostIP: '127.0.0.1' }];
          pod(d).initContainers = [initContainer({ ports })];
        },
        path: 'spec.initContainers[0].ports[0].hostPort',
      },
    ],
    nearMiss: [
      (d) => {
        pod(d).restartPolicy = 'OnFailure';
        pod(d).initContainers = [initContainer({ ports: [{ containerPort: 9000 }] })];
      },
    ],
  },
});

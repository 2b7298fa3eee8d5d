import { asList } from '../pod-specs';
import { eachContainer } from './helpers';
import { app } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'container-port-published',
  severity: 'error',
  podman: { from: '4.3.0', before: '4.8.0' },
  title: 'containerPort without hostPort',
  doc:
    'podman 4.3-4.7 publish every containerPort on the host, on all interfaces, ' +
    'hostPort or not: a port meant for the pod alone is reachable from the network.',
  fix:
    'list only ports you mean to publish, each with hostPort and hostIP: 127.0.0.1; ' +
    'containers of one pod reach each other on localhost without a ports entry',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      c.init
        ? undefined
        : asList(c.container.ports).flatMap((p, i) =>
            p.hostPort === undefined
              ? [
                  {
                    path: [...c.path, 'ports', i],
                    message:
                      'podman 4.3-4.7 publish every containerPort on the host, on all interfaces: ' +
                      `port ${p.containerPort} of "${c.name}" becomes reachable from the network`,
                  },
                ]
              : [],
          ),
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).ports.push({ containerPort: 9090 });
        },
        path: 'spec.containers[0].ports[1]',
      },
    ],
    nearMiss: [
      (d) => {
        app(d).ports.push({ containerPort: 9090, hostPort: 9090, hostIP: '127.0.0.1' });
      },
    ],
  },
});

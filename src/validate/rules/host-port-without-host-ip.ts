import { asList } from '../pod-specs';
import { eachContainer } from './helpers';
import { app } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'host-port-without-host-ip',
  severity: 'warning',
  podman: {},
  title: 'hostPort without hostIP',
  doc: 'A hostPort without hostIP is published on all interfaces (0.0.0.0), not only on this machine.',
  fix: 'set hostIP: 127.0.0.1 unless other machines must reach it',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      asList(c.container.ports).flatMap((p, i) =>
        p.hostPort !== undefined && !p.hostIP
          ? [
              {
                path: [...c.path, 'ports', i],
                message:
                  `host port ${p.hostPort} of "${c.name}" is published ` +
                  'on all interfaces (0.0.0.0), not only on this machine',
              },
            ]
          : [],
      ),
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          delete app(d).ports[0].hostIP;
        },
        path: 'spec.containers[0].ports[0]',
      },
    ],
    // Every interface, said on purpose.
    nearMiss: [
      (d) => {
        app(d).ports[0].hostIP = '0.0.0.0';
      },
    ],
  },
});

import { asObject } from '../pod-specs';
import { eachContainer, probes } from './helpers';
import { app } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'tcp-probe-no-host',
  severity: 'error',
  podman: { before: '4.7.0' },
  title: 'tcpSocket probe without host',
  doc: 'podman before 4.7 leaves the host of a tcpSocket probe empty when none is given: the check always fails.',
  fix: 'set tcpSocket.host: 127.0.0.1 (or use an exec probe)',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      probes(c)
        .filter(({ probe }) => asObject(probe.tcpSocket) && !asObject(probe.tcpSocket)!.host)
        .map(({ path }) => ({
          path: [...path, 'tcpSocket'],
          message: 'podman before 4.7 leaves the host empty: the check runs "nc -z -v  <port>" and always fails',
        })),
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).livenessProbe = { tcpSocket: { port: 8080 } };
        },
        path: 'spec.containers[0].livenessProbe.tcpSocket',
        also: ['tcp-probe-needs-nc'],
      },
    ],
    nearMiss: [
      (d) => {
        app(d).livenessProbe = { tcpSocket: { port: 8080, host: '127.0.0.1' } };
      },
    ],
  },
});

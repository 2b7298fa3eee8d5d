import { eachContainer, probes } from './helpers';
import { app } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'tcp-probe-needs-nc',
  severity: 'warning',
  podman: {},
  title: 'tcpSocket probe (runs nc inside the container)',
  doc:
    'podman runs a tcpSocket health probe as nc -z inside the ' +
    'container: an image without an nc that knows -z is never healthy.',
  fix: 'use an exec probe with a tool the image has',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      probes(c)
        .filter(({ probe }) => probe.tcpSocket !== undefined)
        .map(({ path }) => ({
          path: [...path, 'tcpSocket'],
          message:
            'podman runs tcpSocket probes as "nc -z -v <host> <port>" through /bin/sh INSIDE ' +
            `"${c.name}": the image needs an nc that knows -z, or the container is never healthy`,
        })),
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).startupProbe = { tcpSocket: { port: 8080, host: '127.0.0.1' } };
        },
        path: 'spec.containers[0].startupProbe.tcpSocket',
      },
    ],
    // podman ignores readiness probes: no health check, no nc.
    nearMiss: [
      (d) => {
        app(d).readinessProbe = { tcpSocket: { port: 8080, host: '127.0.0.1' } };
      },
    ],
  },
});

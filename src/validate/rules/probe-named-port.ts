import { eachContainer, namedProbePorts } from './helpers';
import { app } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'probe-named-port',
  severity: 'error',
  podman: { before: '4.6.0' },
  title: 'probe port given by name',
  doc: 'podman before 4.6 does not resolve port names in probes: the probe checks port 0 and never passes.',
  fix: 'use the port number',
  observed: 'new: 4.3.1 checked port 0 for a declared port name; 5.4.2 and 5.8.6 checked 8080',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      namedProbePorts(c).map(({ port, path }) => ({
        path,
        message:
          `podman before 4.6 does not resolve port names in probes: "${port}" becomes ` +
          `port 0 (declared or not), so the health check of "${c.name}" never passes`,
      })),
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).ports[0].name = 'http';
          app(d).livenessProbe = { httpGet: { path: '/', port: 'http' } };
        },
        path: 'spec.containers[0].livenessProbe.httpGet.port',
        also: ['http-probe-needs-curl'],
      },
    ],
    nearMiss: [
      (d) => {
        app(d).ports[0].name = 'http';
        app(d).livenessProbe = { httpGet: { path: '/', port: 8080 } };
      },
    ],
  },
});

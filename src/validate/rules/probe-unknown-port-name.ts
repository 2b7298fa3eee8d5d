import { asList } from '../pod-specs';
import { eachContainer, namedProbePorts } from './helpers';
import { app } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'probe-unknown-port-name',
  severity: 'error',
  podman: { from: '4.6.0' },
  title: 'probe port named but not declared on the container',
  doc: 'podman 4.6 and later fail the play when a probe names a port the container does not declare.',
  fix: 'use the port number, or name the containerPort',
  observed:
    'was every podman: 4.3.1 plays a probe port name as port 0 (`nc -z -v ' +
    '127.0.0.1 0`), declared or not; the play fails with "unknown port" from 4.6.0 ' +
    '(podman 6817e0ae); the new rule `probe-named-port` covers the older versions',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      namedProbePorts(c).flatMap(({ port, path, kind }) =>
        asList(c.container.ports).some((p) => p.name === port)
          ? []
          : [
              {
                path,
                message:
                  `podman fails the play with "failed to configure ${kind}: unknown ` +
                  `port: ${port}": "${c.name}" declares no port of that name`,
              },
            ],
      ),
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).livenessProbe = { httpGet: { path: '/', port: 'http' } };
        },
        path: 'spec.containers[0].livenessProbe.httpGet.port',
        also: ['http-probe-needs-curl'],
      },
    ],
    nearMiss: [
      (d) => {
        app(d).ports[0].name = 'http';
        app(d).livenessProbe = { httpGet: { path: '/', port: 'http' } };
      },
    ],
  },
});

import { eachContainer, probes } from './helpers';
import { app } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'http-probe-needs-curl',
  severity: 'warning',
  podman: {},
  title: 'httpGet probe (runs curl inside the container)',
  doc:
    'podman runs an httpGet health probe as curl inside the container: an ' +
    'image without curl (Valkey, FalkorDB, the Datadog Agent) is never healthy.',
  fix: 'use an exec probe with a tool the image has (e.g. valkey-cli ping, agent health)',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      probes(c)
        .filter(({ probe }) => probe.httpGet !== undefined)
        .map(({ path }) => ({
          path: [...path, 'httpGet'],
          message:
            'podman runs httpGet probes as "curl -f <scheme>://<host>:<port><path> || exit ' +
            `1" through /bin/sh INSIDE "${c.name}": without curl in the image the container ` +
            'is never healthy (the Valkey, FalkorDB and Datadog images have no curl)',
        })),
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).livenessProbe = { httpGet: { path: '/', port: 8080 } };
        },
        path: 'spec.containers[0].livenessProbe.httpGet',
      },
    ],
    // podman ignores readiness probes: no health check, no curl.
    nearMiss: [
      (d) => {
        app(d).readinessProbe = { httpGet: { path: '/', port: 8080 } };
      },
    ],
  },
});

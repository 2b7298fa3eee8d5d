import { eachContainer, secretRefPaths } from './helpers';
import { app } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'secret-ref-unsupported',
  severity: 'error',
  podman: { before: '4.4.0' },
  title: 'secretKeyRef / envFrom.secretRef',
  doc: 'podman 4.3 reads Kubernetes secrets as JSON only: a value taken from a Secret document fails the play.',
  fix: 'mount a root-only env file read-only and read it at start, or require podman 4.4+',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      secretRefPaths(c).map((path) => ({
        path,
        message:
          'podman 4.3 reads Kubernetes secrets as JSON only and fails the play with ' +
          '"secret ... is not valid JSON" for one played from a Secret document',
      })),
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).env = [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }];
        },
        path: 'spec.containers[0].env[0].valueFrom.secretKeyRef',
      },
    ],
    nearMiss: [
      (d) => {
        app(d).env = [{ name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { name: 'scripts', key: 'check.sh' } } }];
      },
    ],
  },
});

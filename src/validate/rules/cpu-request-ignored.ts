import { asObject } from '../pod-specs';
import { eachContainer } from './helpers';
import { app } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'cpu-request-ignored',
  severity: 'info',
  podman: {},
  title: 'resources.requests.cpu',
  doc: 'podman ignores CPU requests; limits.cpu, limits.memory and requests.memory are honoured.',
  fix: 'use limits.cpu if the share matters',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      asObject(asObject(c.container.resources)?.requests)?.cpu !== undefined
        ? {
            path: [...c.path, 'resources', 'requests', 'cpu'],
            message:
              `podman ignores CPU requests ("${c.name}"); limits.cpu, ` +
              'limits.memory and requests.memory are honoured',
          }
        : undefined,
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).resources = { requests: { cpu: '500m' } };
        },
        path: 'spec.containers[0].resources.requests.cpu',
      },
    ],
    nearMiss: [
      (d) => {
        app(d).resources = { limits: { cpu: '500m', memory: '1Gi' }, requests: { memory: '512Mi' } };
      },
    ],
  },
});

import { PROBE_KINDS } from '../pod-specs';
import { eachContainer, probes } from './helpers';
import { app } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'grpc-probe-dropped',
  severity: 'warning',
  podman: {},
  title: 'grpc probe',
  doc: 'podman silently drops grpc probes: the container gets no health check from it.',
  fix: 'use an exec probe (e.g. grpc_health_probe, if the image has it)',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      probes(c, PROBE_KINDS)
        .filter(({ probe }) => probe.grpc !== undefined)
        .map(({ path }) => ({
          path: [...path, 'grpc'],
          message: `podman silently drops grpc probes: "${c.name}" gets no health check from it`,
        })),
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).livenessProbe = { grpc: { port: 9090 } };
        },
        path: 'spec.containers[0].livenessProbe.grpc',
      },
    ],
    nearMiss: [
      (d) => {
        app(d).livenessProbe = { exec: { command: ['grpc_health_probe', '-addr=127.0.0.1:9090'] } };
      },
    ],
  },
});

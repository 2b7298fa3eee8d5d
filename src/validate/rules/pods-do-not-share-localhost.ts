import { initContainer, pod } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'pods-do-not-share-localhost',
  severity: 'info',
  podman: {},
  title: 'several Pods in one file',
  doc: 'podman plays the Pods of a file one after another, in no dependency order; each has its own network.',
  fix: 'put containers that talk over localhost in one Pod',
  check: (ctx) => {
    const pods = ctx.documents.filter((d) => d.kind === 'Pod');
    if (pods.length < 2 || pods[0] === ctx.doc || ctx.doc.kind !== 'Pod') return [];
    const message =
      `this file plays ${pods.length} pods, one after another, in no dependency ` +
      'order; each has its own network: they do not reach each other on localhost';
    return [{ path: ['metadata', 'name'], message }];
  },
  examples: {
    bad: [
      {
        edit: (d) => {
          const second = structuredClone(d[1]);
          second.metadata.name = 'web2';
          second.spec.containers.forEach((c: { ports: Array<{ hostPort: number }> }, i: number) => {
            c.ports[0].hostPort = 9100 + i;
          });
          d.push(second);
        },
        path: 'metadata.name',
      },
    ],
    nearMiss: [
      (d) => {
        pod(d).containers.push({ ...initContainer({ command: ['sleep', 'infinity'] }), name: 'worker' });
      },
    ],
  },
});

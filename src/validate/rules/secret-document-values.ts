import { asObject } from '../pod-specs';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'secret-document-values',
  severity: 'warning',
  podman: {},
  title: 'Secret document with values',
  doc:
    'A Secret document keeps its values in the manifest (base64 is not encryption), ' +
    'and podman shows them in `podman inspect` of the containers that use them.',
  fix: 'create the secret on the host (podman secret create) or mount a root-only env file',
  check: (ctx) => {
    if (ctx.doc.kind !== 'Secret') return [];
    return (['data', 'stringData'] as const)
      .filter((k) => asObject(ctx.doc.object[k]) && Object.keys(asObject(ctx.doc.object[k])!).length)
      .map((k) => ({
        path: [k],
        message:
          `secret values are in the manifest (${k === 'data' ? 'base64 is not encryption' : 'in clear text'}); ` +
          'podman also shows them in `podman inspect` of the containers that use them',
      }));
  },
  examples: {
    bad: [
      {
        edit: (d) => {
          d.splice(1, 0, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { token: 'x' } });
        },
        path: 'stringData',
      },
    ],
    nearMiss: [
      (d) => {
        d.splice(1, 0, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', data: {} });
      },
    ],
  },
});

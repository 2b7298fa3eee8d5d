import { asList, asObject } from '../pod-specs';
import { eachPod } from './helpers';
import { pod } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'secret-volume-optional',
  severity: 'error',
  podman: { before: '4.4.0' },
  title: 'secret volume without optional',
  doc: 'podman 4.3 crashes on a secret volume without an explicit optional: kube play panics and plays nothing.',
  fix: 'set secret.optional: false',
  observed:
    'was `configmap-volume-optional`: 4.3.1 played a configMap volume without `optional`; ' +
    'its nil pointer panic is in VolumeFromSecret, for a secret volume without `optional`',
  check: (ctx) =>
    eachPod(ctx, (pod) =>
      asList(pod.spec.volumes).flatMap((v, i) =>
        asObject(v.secret) && asObject(v.secret)!.optional === undefined
          ? [
              {
                path: [...pod.path, 'volumes', i, 'secret'],
                message:
                  'podman 4.3 crashes (nil pointer dereference in VolumeFromSecret) on secret volume ' +
                  `"${v.name}" without an explicit optional: kube play panics and plays nothing`,
              },
            ]
          : [],
      ),
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          pod(d).volumes.push({ name: 'tls', secret: { secretName: 'tls' } });
        },
        path: 'spec.volumes[2].secret',
      },
    ],
    nearMiss: [
      (d) => {
        pod(d).volumes.push({ name: 'tls', secret: { secretName: 'tls', optional: false } });
        delete pod(d).volumes[1].configMap.optional;
      },
    ],
  },
});

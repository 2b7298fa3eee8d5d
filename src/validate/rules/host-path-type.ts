import { asList, asObject } from '../pod-specs';
import { eachPod } from './helpers';
import { pod } from './example-pod';
import { podmanRule } from './registry';

const HOST_PATH_TYPES = [
  '',
  'DirectoryOrCreate',
  'Directory',
  'FileOrCreate',
  'File',
  'Socket',
  'CharDevice',
  'BlockDevice',
];

export default podmanRule({
  id: 'host-path-type',
  severity: 'error',
  podman: {},
  title: 'hostPath type podman does not know',
  doc: 'A hostPath type podman does not know fails the play.',
  fix: `one of ${HOST_PATH_TYPES.filter(Boolean).join(', ')}`,
  check: (ctx) =>
    eachPod(ctx, (pod) =>
      asList(pod.spec.volumes).flatMap((v, i) => {
        const type = asObject(v.hostPath)?.type;
        if (type === undefined || HOST_PATH_TYPES.includes(String(type))) return [];
        const message =
          `hostPath type ${JSON.stringify(type)} of volume "${v.name}" is not one podman knows: ` + 'kube play fails';
        return [{ path: [...pod.path, 'volumes', i, 'hostPath', 'type'], message }];
      }),
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          pod(d).volumes[0].hostPath.type = 'Dir';
        },
        path: 'spec.volumes[0].hostPath.type',
      },
    ],
    nearMiss: [
      (d) => {
        pod(d).volumes[0].hostPath.type = 'Directory';
      },
    ],
  },
});

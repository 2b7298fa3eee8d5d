import { asList, asObject } from '../pod-specs';
import { eachPod } from './helpers';
import { pod } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'host-path-type-unset',
  severity: 'warning',
  podman: {},
  title: 'hostPath without type',
  doc:
    'Without a type podman requires the hostPath to exist, and ' +
    'fails the play when it does not (a fresh host, a typo).',
  fix: 'type: DirectoryOrCreate to have podman create it, or Directory / File / Socket to say what must be there',
  check: (ctx) =>
    eachPod(ctx, (pod) =>
      asList(pod.spec.volumes).flatMap((v, i) => {
        const hp = asObject(v.hostPath);
        if (!hp || (hp.type !== undefined && hp.type !== '')) return [];
        const message =
          `hostPath ${JSON.stringify(hp.path)} has no type: podman then requires ` +
          'it to exist and fails the play when it does not (a fresh host, a typo)';
        return [{ path: [...pod.path, 'volumes', i, 'hostPath'], message }];
      }),
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          delete pod(d).volumes[0].hostPath.type;
        },
        path: 'spec.volumes[0].hostPath',
      },
    ],
    nearMiss: [
      (d) => {
        pod(d).volumes[0].hostPath.type = 'Directory';
      },
    ],
  },
});

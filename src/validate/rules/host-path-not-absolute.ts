import { asList, asObject } from '../pod-specs';
import { eachPod } from './helpers';
import { pod } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'host-path-not-absolute',
  severity: 'error',
  podman: {},
  title: 'hostPath that is not an absolute path',
  doc:
    'podman resolves a relative hostPath against its own working ' +
    "directory (under systemd: /), not the manifest's folder.",
  fix: 'write the absolute path',
  check: (ctx) =>
    eachPod(ctx, (pod) =>
      asList(pod.spec.volumes).flatMap((v, i) => {
        const hp = asObject(v.hostPath);
        const p = hp?.path;
        if (!hp || (typeof p === 'string' && p.startsWith('/'))) return [];
        const message =
          `hostPath ${JSON.stringify(p)} of volume "${v.name}" is not absolute: podman resolves ` +
          "it against its own working directory (under systemd: /), not this file's folder";
        return [{ path: [...pod.path, 'volumes', i, 'hostPath', 'path'], message }];
      }),
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          pod(d).volumes[0].hostPath.path = 'srv/data';
        },
        path: 'spec.volumes[0].hostPath.path',
      },
    ],
    nearMiss: [
      (d) => {
        pod(d).volumes[0].hostPath.path = '/srv/./data';
      },
    ],
  },
});

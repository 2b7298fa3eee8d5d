import { PROBE_KINDS } from '../pod-specs';
import { eachContainer } from './helpers';
import { app, execProbe, initContainer, pod } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'init-container-probe',
  severity: 'error',
  podman: {},
  title: 'probe or lifecycle on an init container',
  doc: 'podman refuses to play a pod with an init container that has a probe or a lifecycle hook.',
  fix: 'remove the probe or lifecycle from the init container, or make it a regular container',
  check: (ctx) =>
    eachContainer(ctx, (c) => {
      if (!c.init) return undefined;
      const bad = [...PROBE_KINDS, 'lifecycle'].filter((k) => c.container[k] !== undefined);
      return bad.map((k) => ({
        path: [...c.path, k],
        message:
          'podman refuses the whole pod: "cannot create an init container that has either of ' +
          `lifecycle, livenessProbe, readinessProbe, or startupProbe set" (${c.name}.${k})`,
        fix: `remove ${k} from the init container, or make it a regular container`,
      }));
    }),
  examples: {
    bad: [
      {
        edit: (d) => {
          pod(d).restartPolicy = 'OnFailure';
          pod(d).initContainers = [initContainer({ livenessProbe: execProbe() })];
        },
        path: 'spec.initContainers[0].livenessProbe',
      },
    ],
    nearMiss: [
      (d) => {
        pod(d).restartPolicy = 'OnFailure';
        pod(d).initContainers = [initContainer()];
        app(d).startupProbe = execProbe();
      },
    ],
  },
});

import { RuleHit } from '../rule';
import { asObject, containersOf, podSpecsOf } from '../pod-specs';
import { app, pod } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'security-context-ignored',
  severity: 'warning',
  podman: {},
  title: 'runAsNonRoot, fsGroup or seccompProfile',
  doc: 'podman ignores securityContext runAsNonRoot, fsGroup and seccompProfile: they are not enforced.',
  fix: 'enforce it in the image (USER) or with runAsUser, which podman honours',
  check: (ctx) => {
    const hits: RuleHit[] = [];
    for (const pod of podSpecsOf(ctx.doc)) {
      const podCtx = asObject(pod.spec.securityContext);
      for (const k of ['runAsNonRoot', 'fsGroup', 'seccompProfile']) {
        if (podCtx?.[k] === undefined) continue;
        hits.push({
          path: [...pod.path, 'securityContext', k],
          message: `podman ignores securityContext.${k}: it is not enforced`,
        });
      }
      for (const c of containersOf(pod)) {
        const sc = asObject(c.container.securityContext);
        for (const k of ['runAsNonRoot', 'seccompProfile']) {
          if (sc?.[k] === undefined) continue;
          hits.push({
            path: [...c.path, 'securityContext', k],
            message: `podman ignores securityContext.${k} on "${c.name}": it is not enforced`,
            fix: 'enforce it with runAsUser, which podman honours',
          });
        }
      }
    }
    return hits;
  },
  examples: {
    bad: [
      {
        edit: (d) => {
          pod(d).securityContext = { runAsNonRoot: true };
        },
        path: 'spec.securityContext.runAsNonRoot',
      },
      {
        edit: (d) => {
          app(d).securityContext = { seccompProfile: { type: 'RuntimeDefault' } };
        },
        path: 'spec.containers[0].securityContext.seccompProfile',
      },
    ],
    nearMiss: [
      (d) => {
        app(d).securityContext = { runAsUser: 1000, readOnlyRootFilesystem: true };
      },
    ],
  },
});

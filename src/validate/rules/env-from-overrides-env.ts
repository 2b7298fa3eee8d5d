import { asList, asObject } from '../pod-specs';
import { eachContainer } from './helpers';
import { app } from './example-pod';
import { podmanRule } from './registry';

const settings = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { LOG_LEVEL: 'info' } };

export default podmanRule({
  id: 'env-from-overrides-env',
  severity: 'warning',
  podman: { before: '5.8.0' },
  title: 'variable set by both env and envFrom',
  doc:
    'For a variable set by both env and envFrom, podman before 5.8 ' +
    'lets envFrom win; Kubernetes (and podman 5.8+) let env win.',
  fix: 'set it in one place',
  observed:
    'was every podman: 5.8.6 lets env win, as Kubernetes does ' +
    '(podman 8eacbd84, 5.8.0); 4.3.1 and 5.4.2 let envFrom win',
  check: (ctx) =>
    eachContainer(ctx, (c) => {
      const fromKeys = new Map<string, number>();
      asList(c.container.envFrom).forEach((e, i) => {
        const ref = asObject(e.configMapRef);
        const cm = ref && ctx.documents.find((d) => d.kind === 'ConfigMap' && d.name === ref.name);
        for (const key of Object.keys(asObject(cm?.object.data) ?? {})) fromKeys.set(`${e.prefix ?? ''}${key}`, i);
      });
      return asList(c.container.env).flatMap((e, i) =>
        typeof e.name === 'string' && fromKeys.has(e.name)
          ? [
              {
                path: [...c.path, 'env', i],
                message:
                  `${e.name} is set by env and by envFrom[${fromKeys.get(e.name)}]: podman ` +
                  'before 5.8 lets envFrom win, Kubernetes (and podman 5.8+) let env win',
              },
            ]
          : [],
      );
    }),
  examples: {
    bad: [
      {
        edit: (d) => {
          d.unshift(structuredClone(settings));
          app(d).envFrom = [{ configMapRef: { name: 'settings' } }];
          app(d).env = [{ name: 'LOG_LEVEL', value: 'debug' }];
        },
        path: 'spec.containers[0].env[0]',
      },
    ],
    nearMiss: [
      (d) => {
        d.unshift(structuredClone(settings));
        app(d).envFrom = [{ configMapRef: { name: 'settings' }, prefix: 'APP_' }];
        app(d).env = [{ name: 'LOG_LEVEL', value: 'debug' }];
      },
    ],
  },
});

import { SECRET_NAME } from '../../lib/secret-names';
import { asList } from '../pod-specs';
import { eachContainer } from './helpers';
import { app } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'inline-secret-env',
  severity: 'error',
  podman: {},
  title: 'secret value written inline in env',
  doc: 'A secret written in the manifest is read by anyone who can read the file, and shown by `podman inspect`.',
  fix:
    'keep it in a root-only env file mounted read-only and read ' +
    'at start (as opencode-memory-pod does), not in the manifest',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      asList(c.container.env).flatMap((e, i) =>
        typeof e.name === 'string' && SECRET_NAME.test(e.name) && typeof e.value === 'string' && e.value !== ''
          ? [
              {
                path: [...c.path, 'env', i, 'value'],
                message:
                  `${e.name} is written in the manifest: anyone who ` +
                  'can read the file, and `podman inspect`, shows it',
              },
            ]
          : [],
      ),
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).env = [{ name: 'DB_PASSWORD', value: 'hunter2' }];
        },
        path: 'spec.containers[0].env[0].value',
      },
    ],
    nearMiss: [
      (d) => {
        app(d).env = [
          { name: 'PASSWORD_FILE', value: '/run/secrets/db' },
          { name: 'LOG_LEVEL', value: 'debug' },
        ];
      },
    ],
  },
});

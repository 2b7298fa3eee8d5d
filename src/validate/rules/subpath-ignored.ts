import { asList } from '../pod-specs';
import { eachContainer } from './helpers';
import { app, pod } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'subpath-ignored',
  severity: 'error',
  podman: { before: '4.4.0' },
  title: 'volumeMount subPath',
  doc: 'podman before 4.4 ignores subPath: the container gets the whole volume.',
  fix: 'mount a volume that holds only what is needed (e.g. a hostPath of the file itself)',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      asList(c.container.volumeMounts).flatMap((m, i) =>
        m.subPath !== undefined
          ? [
              {
                path: [...c.path, 'volumeMounts', i, 'subPath'],
                message:
                  `podman before 4.4 ignores subPath: "${c.name}" gets the whole volume ` +
                  `"${m.name}" at ${m.mountPath}, not ${JSON.stringify(m.subPath)}`,
              },
            ]
          : [],
      ),
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).volumeMounts[0].subPath = 'app';
        },
        path: 'spec.containers[0].volumeMounts[0].subPath',
      },
    ],
    nearMiss: [
      (d) => {
        pod(d).volumes.push({ name: 'app-data', hostPath: { path: '/srv/data/app', type: 'DirectoryOrCreate' } });
        app(d).volumeMounts[0].name = 'app-data';
      },
    ],
  },
});

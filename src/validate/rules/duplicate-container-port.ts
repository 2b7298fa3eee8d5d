import { eachPod, repeatedPorts } from './helpers';
import { cache } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'duplicate-container-port',
  severity: 'error',
  podman: {},
  title: 'the same containerPort in two containers of a pod',
  doc: 'The containers of a pod share one network namespace: only one of them can listen on a port.',
  fix: 'give each service its own port',
  check: (ctx) =>
    eachPod(ctx, (pod) =>
      repeatedPorts(pod, 'containerPort', false).map(({ c, i, port, proto, other }) => ({
        path: [...c.path, 'ports', i, 'containerPort'],
        message:
          `port ${port}/${proto} is also declared by "${other}": the containers of ` +
          'a pod share one network namespace, so only one of them can listen on it',
      })),
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          cache(d).ports[0].containerPort = 8080;
        },
        path: 'spec.containers[1].ports[0].containerPort',
      },
    ],
    nearMiss: [
      (d) => {
        cache(d).ports[0].containerPort = 8080;
        cache(d).ports[0].protocol = 'UDP';
      },
    ],
  },
});

import { eachPod, repeatedPorts } from './helpers';
import { cache } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'duplicate-host-port',
  severity: 'error',
  podman: {},
  title: 'the same hostPort twice in a pod',
  doc: 'Two containers of a pod that publish the same host port (and protocol): kube play fails to bind it twice.',
  fix: 'give every published port its own hostPort',
  check: (ctx) =>
    eachPod(ctx, (pod) =>
      repeatedPorts(pod, 'hostPort', true).map(({ c, i, port, proto, other }) => ({
        path: [...c.path, 'ports', i, 'hostPort'],
        message: `host port ${port}/${proto} is also published by "${other}": kube play fails to bind it twice`,
      })),
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          cache(d).ports[0].hostPort = 8080;
        },
        path: 'spec.containers[1].ports[0].hostPort',
      },
    ],
    nearMiss: [
      (d) => {
        cache(d).ports[0].hostPort = 8080;
        cache(d).ports[0].protocol = 'UDP';
      },
    ],
  },
});

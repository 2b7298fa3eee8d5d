import { eachContainer, execCommands } from './helpers';
import { app } from './example-pod';
import { podmanRule } from './registry';

export default podmanRule({
  id: 'exec-probe-split',
  severity: 'error',
  podman: { before: '4.4.0' },
  title: 'exec probe element with a space',
  doc:
    "podman before 4.4 joins an exec probe's command with spaces and splits it again: an " +
    'element with a space falls apart, and the probe checks something other than what it says.',
  fix:
    'put the check in a script (e.g. from a ConfigMap volume) and call it ' +
    'with elements that contain no spaces: ["/bin/sh", "/path/check.sh"]',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      execCommands(c).flatMap(({ command, path }) => {
        const i = command.findIndex((part) => /\s/.test(String(part)));
        if (i < 0) return [];
        const message =
          'podman before 4.4 joins the command with spaces, splits it on spaces again and runs ' +
          `/bin/sh -c "<command> || exit 1": ${JSON.stringify(command[i])} falls apart ` +
          '(["sh","-c","nc -z ..."] runs a bare "nc"), so the probe does not check what it says';
        return [{ path: [...path, i], message }];
      }),
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).livenessProbe = { exec: { command: ['/bin/sh', '-c', 'nc -z 127.0.0.1 8080'] } };
        },
        path: 'spec.containers[0].livenessProbe.exec.command[2]',
      },
    ],
    nearMiss: [
      (d) => {
        app(d).livenessProbe = { exec: { command: ['/bin/sh', '/scripts/check.sh', 'app'] } };
      },
    ],
  },
});

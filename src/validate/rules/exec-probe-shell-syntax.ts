import { eachContainer, execCommands } from './helpers';
import { app } from './example-pod';
import { podmanRule } from './registry';

const SHELL_SPECIAL = /[|&;<>()$`\\"'*?]/;

export default podmanRule({
  id: 'exec-probe-shell-syntax',
  severity: 'warning',
  podman: { before: '4.4.0' },
  title: 'exec probe element with shell syntax',
  doc:
    'podman before 4.4 runs exec probes through /bin/sh -c, later versions run them as written: an ' +
    'element with shell syntax ($, *, quotes...) means one thing on one version and another on the next.',
  fix: 'move the logic into a script and call it with plain arguments',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      execCommands(c).flatMap(({ command, path }) => {
        const i = command.findIndex((part) => !/\s/.test(String(part)) && SHELL_SPECIAL.test(String(part)));
        if (i < 0) return [];
        const message =
          'podman before 4.4 runs exec probes through /bin/sh -c, so the ' +
          `shell interprets ${JSON.stringify(command[i])}; podman 4.4 and ` +
          'later pass it literally: the probe differs between versions';
        return [{ path: [...path, i], message }];
      }),
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).livenessProbe = { exec: { command: ['test', '-d', '$HOME'] } };
        },
        path: 'spec.containers[0].livenessProbe.exec.command[2]',
      },
    ],
    nearMiss: [
      (d) => {
        app(d).livenessProbe = { exec: { command: ['test', '-d', '/root'] } };
      },
    ],
  },
});

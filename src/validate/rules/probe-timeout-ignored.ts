import { asObject } from '../pod-specs';
import { eachContainer, probes } from './helpers';
import { app } from './example-pod';
import { podmanRule } from './registry';

/** An exec probe command that bounds itself (`timeout ...`), so a hang cannot outlive it. */
function boundedCommand(command: unknown): boolean {
  return Array.isArray(command) && /(^|\/)timeout$/.test(String(command[0] ?? ''));
}

export default podmanRule({
  id: 'probe-timeout-ignored',
  // info: the validator cannot see whether a script bounds itself (opencode-memory-pod's health.sh does).
  severity: 'info',
  podman: { before: '5.6.0' },
  title: 'exec probe that can hang (timeoutSeconds not enforced)',
  doc:
    'podman before 5.6 does not end a health check that runs past timeoutSeconds: ' +
    "a check that hangs blocks the container's health checks for good.",
  fix:
    'bound the check in the command itself: ["timeout", "-s", ' +
    '"KILL", "4", ...] (coreutils and busybox have timeout)',
  observed:
    'new: a check that sleeps 30 s with timeoutSeconds 1 still ran after 15 s on 4.3.1 ' +
    'and 5.4.2; 5.8.6 ended it after 1.4 s (enforced from 5.6.0, podman 499ea116)',
  check: (ctx) =>
    eachContainer(ctx, (c) =>
      probes(c)
        .filter(({ probe }) => asObject(probe.exec) && !boundedCommand(asObject(probe.exec)!.command))
        .map(({ path }) => ({
          path: [...path, 'exec', 'command'],
          message:
            'podman before 5.6 does not end a health check that runs past timeoutSeconds: unless the ' +
            'command bounds itself, a check that hangs (e.g. the client of a stopped server) blocks ' +
            `the health checks of "${c.name}" for good, and the container is never marked unhealthy`,
        })),
    ),
  examples: {
    bad: [
      {
        edit: (d) => {
          app(d).livenessProbe = { exec: { command: ['/bin/sh', '/scripts/check.sh'] } };
        },
        path: 'spec.containers[0].livenessProbe.exec.command',
      },
    ],
    nearMiss: [
      (d) => {
        app(d).livenessProbe = { exec: { command: ['timeout', '-s', 'KILL', '4', '/bin/sh', '/scripts/check.sh'] } };
      },
    ],
  },
});

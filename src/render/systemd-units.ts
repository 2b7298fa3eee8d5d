import { dirname, posix } from 'node:path';
import { PodModel, STOP_GRACE_SECONDS } from '../model/pod-model';
import { systemdEscape } from './systemd-escape';
import { renderWatchdog, watchdogUnitBase } from './systemd-watchdog';
import { splitEnvScript } from './split-env';
import { POD_PATHS } from '../model/pod-paths';
import { UnitFile } from './unit-file';
import { unwedgePath, unwedgeScript } from './podman-unwedge';
import { podNetworkName, podNetworkPath, podNetworkScript } from './pod-network';

/** Units start after these (the secrets are written by onepassword-secrets; tailscale may carry traffic). */
const AFTER = ['network-online.target', 'tailscaled.service', 'onepassword-secrets.service'];
/**
 * Stop bound (the template has 70 s). The 35-70 s stop-sigterm waits seen after kill -9 of the main
 * PID in the test machines came from machines sharing one host cgroup, not from podman (fixed in
 * the harness); with a cgroup of its own the stop phase takes 1-4 s on 4.3.1, 5.4.2 and 5.8.6.
 */
const STOP_TIMEOUT_SECONDS = STOP_GRACE_SECONDS + 15;

/** The service Quadlet generates from quadlet/opencode-memory-pod.kube. */
export const QUADLET_UNIT = 'opencode-memory-pod.service';

/** `podman-kube@<escaped path>.service`: the instance of podman's template for our pod.yaml. */
export function podmanKubeUnitName(model: PodModel): string {
  return `podman-kube@${systemdEscape(model.installPath)}.service`;
}

/** Seconds systemd allows for the whole ordered start: every stage may use its full timeout. */
export function startTimeoutSeconds(model: PodModel): number {
  return model.stages.reduce((sum, s) => sum + s.spec.startTimeoutSeconds, 0) + 30;
}

/**
 * The systemd side: a drop-in for podman's podman-kube@ template (every version from 4.3.1), a
 * Quadlet .kube unit (podman 4.4+), and the two helpers both use.
 */
export function renderSystemdUnits(model: PodModel): UnitFile[] {
  const dir = dirname(model.installPath);
  const waitHealthy = posix.join(dir, 'wait-healthy.sh');
  const splitEnv = posix.join(dir, 'split-env.sh');
  const unwedge = unwedgePath(model);
  const podNetwork = podNetworkPath(model);
  const unit = podmanKubeUnitName(model);
  const services = model.stages.map((s) => s.spec.name).join(', ');
  const serviceLines = [
    // always, not the design's on-failure: a \`podman pod stop\` by hand ends podman's service
    // container (the unit's main process) with exit 0 on 5.x (137 on 4.3.1), and on-failure then
    // left the unit inactive and its ExecStop removed the pod. \`systemctl stop\` still stops it.
    `Restart=always`,
    `RestartSec=10s`,
    `# Covers the ordered start: each service may take its startTimeoutSeconds.`,
    `TimeoutStartSec=${startTimeoutSeconds(model)}`,
    `TimeoutStopSec=${STOP_TIMEOUT_SECONDS}`,
    `# podman can deadlock on the pod's and its service container's locks (a \`pod start\` or \`pod restart\``,
    `# against a stop): every podman command on the pod then hangs, kube play too. This ends one of them.`,
    `ExecStartPre=-/bin/sh ${unwedge}`,
    `# Each container gets its own env file with only the keys its service receives (root-only,`,
    `# on /run); a missing env file fails the start with a message instead of a podman error.`,
    `ExecStartPre=/bin/sh ${splitEnv} ${model.envFile}`,
    `# podman reports the unit ready once the containers are created; this waits until every`,
    `# container is healthy, in start order, and fails the start (so Restart= fires) if one is not.`,
    `ExecStartPost=/bin/sh ${waitHealthy}`,
    `# The per-container secrets do not outlive the pod (Quadlet runs its kube down after this).`,
    `ExecStopPost=-/bin/sh ${splitEnv} --remove`,
    `# podman 4.3.1's kube down stops containers with no grace period (SIGKILL at once): Valkey and`,
    `# FalkorDB would lose what they have not saved yet. Stop the pod gracefully first; they save on SIGTERM.`,
    `# "-": if it fails (seen on 5.4.2 with a netavark error), kube down must still run. Under the`,
    `# deadlock breaker: it deadlocked with a \`podman pod start\` until TimeoutStopSec (seen on 5.4.2).`,
    `ExecStop=-/bin/sh ${unwedge} --while /usr/bin/podman pod stop --ignore --time ${STOP_GRACE_SECONDS} ${model.podName}`,
  ];
  const unitLines = [
    `Description=OpenCode memory pod (${services})`,
    `Wants=network-online.target`,
    `After=${AFTER.join(' ')}`,
    `# Replaces a hung or stopped container while the pod runs (podman does not, on every version).`,
    `Wants=${watchdogUnitBase(model)}.service`,
  ];

  // podman-kube@'s own ExecStop (kube down) must run after the graceful stop: reset the list.
  const templateStop = ['ExecStop=', serviceLines.find((l) => l.startsWith('ExecStop=-'))!, 'ExecStop=/usr/bin/podman kube down %I'];
  // The template plays on kube play's default network, which every container of the host reaches:
  // the same play (\`kube play\` works on 4.3.1 too), on the pod's own network (pod-network.ts).
  const templateStart = [
    `# The pod's own network (an isolated bridge on netavark 1.7+, else slirp4netns): no other`,
    `# container of this host reaches its ports. pod-network.sh adds --network before the file.`,
    'ExecStart=',
    `ExecStart=/bin/sh ${podNetwork} --exec /usr/bin/podman kube play --replace --service-container=true %I`,
  ];
  const dropInService = [...templateStart, ...serviceLines.filter((l) => !l.startsWith('ExecStop=-')), ...templateStop];
  const dropIn = [
    `# Generated by opencode-memory-pod for ${model.installPath}. Do not edit; synth again.`,
    `# Drop-in for ${unit}`,
    `# podman's template plays the file (ExecStart) and removes the pod on stop (ExecStop);`,
    `# it sets no Restart= and no start timeout, which this adds.`,
    '',
    '[Unit]',
    ...unitLines,
    '',
    '[Service]',
    ...dropInService,
    '',
  ].join('\n');

  const quadlet = [
    `# Generated by opencode-memory-pod. Quadlet unit for podman 4.4+ (not Debian 12's 4.3.1: use the`,
    `# podman-kube@ drop-in there). Install in /etc/containers/systemd/; systemctl daemon-reload`,
    `# then creates opencode-memory-pod.service.`,
    '',
    '[Unit]',
    ...unitLines,
    '',
    '[Kube]',
    `Yaml=${model.installPath}`,
    `# The pod's own bridge, isolate=strict (netavark 1.7+): no other container of this host reaches it.`,
    `Network=${podNetworkName(model)}`,
    '',
    '[Service]',
    `# Creates that bridge when missing; fails, saying why, where netavark cannot isolate it.`,
    `ExecStartPre=/bin/sh ${podNetwork} --strict`,
    ...serviceLines,
    '',
    '[Install]',
    'WantedBy=multi-user.target default.target',
    '',
  ].join('\n');

  return [
    {
      distPath: `systemd/${unit}.d/opencode-memory-pod.conf`,
      installPath: `/etc/systemd/system/${unit}.d/opencode-memory-pod.conf`,
      content: dropIn,
      mode: 0o644,
      unitKind: 'podman-kube',
      runBy: 'pod',
    },
    {
      distPath: 'quadlet/opencode-memory-pod.kube',
      installPath: '/etc/containers/systemd/opencode-memory-pod.kube',
      content: quadlet,
      mode: 0o644,
      unitKind: 'quadlet',
      runBy: 'pod',
    },
    { distPath: 'libexec/wait-healthy.sh', installPath: waitHealthy, content: waitHealthyScript(model), mode: 0o755, runBy: 'pod' },
    { distPath: 'libexec/split-env.sh', installPath: splitEnv, content: splitEnvScript(model), mode: 0o755, runBy: 'pod' },
    { distPath: 'libexec/podman-unwedge.sh', installPath: unwedge, content: unwedgeScript(model), mode: 0o755, runBy: 'pod' },
    { distPath: 'libexec/pod-network.sh', installPath: podNetwork, content: podNetworkScript(model), mode: 0o755, runBy: 'pod' },
    ...renderWatchdog(model, { 'podman-kube': unit, quadlet: QUADLET_UNIT }),
  ];
}

/**
 * ExecStartPost helper: every container answers its own health check, in start order, within the
 * start timeout. It runs health.sh through `podman exec` rather than `podman healthcheck run`,
 * whose answer during a probe's start period differs by version (5.8 says "starting" while the
 * check passes), and it asks the service itself, so nothing left by an earlier run can pass it.
 */
function waitHealthyScript(model: PodModel): string {
  const services = model.stages.map((s) => s.spec.name);
  return `#!/bin/sh
# Generated by opencode-memory-pod: ExecStartPost of ${podmanKubeUnitName(model)} and of
# ${QUADLET_UNIT} (Quadlet). Runs each service's own health check (health.sh, the check its
# dependents wait for) inside its container until it passes, in start order.
set -u
deadline=${startTimeoutSeconds(model) - 5}
start=$(date +%s)
for svc in ${services.join(' ')}; do
  ctr=${model.podName}-$svc
  until podman exec "$ctr" /bin/sh ${POD_PATHS.scriptsDir}/health.sh "$svc" >/dev/null 2>&1; do
    if [ $(( $(date +%s) - start )) -ge "$deadline" ]; then
      echo "opencode-memory-pod: $ctr is not healthy after \${deadline}s; last lines of its log:" >&2
      podman logs --tail 15 "$ctr" >&2 2>&1
      exit 1
    fi
    sleep 0.5
  done
  echo "opencode-memory-pod: $ctr is healthy ($(( $(date +%s) - start ))s)"
done
`;
}

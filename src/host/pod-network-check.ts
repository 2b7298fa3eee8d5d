import { existsSync } from 'node:fs';
import type { InstallPlan } from '../render/podman-files';
import type { Check } from './check';
import type { DoctorHost } from './doctor-host';

/** Where podman's packages put netavark (Debian: /usr/lib/podman; others: libexec). */
const NETAVARK_PATHS = ['/usr/local/libexec/podman/netavark', '/usr/local/lib/podman/netavark', '/usr/libexec/podman/netavark', '/usr/lib/podman/netavark'];

/** The oldest netavark that parses isolate=strict (pod-network.sh makes the same choice). */
const STRICT = { major: 1, minor: 7 };

/** The network the pod would get here: the same choice pod-network.sh makes, without creating anything. */
export type PlannedNetwork = { kind: 'bridge'; netavark: string } | { kind: 'slirp4netns'; why: string } | { kind: 'none'; why: string };

function netavarkVersion(host: DoctorHost): { major: number; minor: number; text: string } | undefined {
  for (const bin of NETAVARK_PATHS) {
    const out = host.run(bin, ['--version']);
    const m = out?.stdout.match(/^netavark (\d+)\.(\d+)(\S*)/m);
    if (m) return { major: Number(m[1]), minor: Number(m[2]), text: `${m[1]}.${m[2]}${m[3]}` };
  }
  return undefined;
}

export function plannedNetwork(host: DoctorHost): PlannedNetwork | undefined {
  const backend = host.run('podman', ['info', '--format', '{{.Host.NetworkBackend}}'])?.stdout.trim();
  if (!backend) return undefined;
  const nv = backend === 'netavark' ? netavarkVersion(host) : undefined;
  if (nv && (nv.major > STRICT.major || (nv.major === STRICT.major && nv.minor >= STRICT.minor))) return { kind: 'bridge', netavark: nv.text };
  const why =
    backend === 'netavark'
      ? `netavark ${nv?.text ?? '(version unknown)'} cannot isolate a bridge (1.7+ can)`
      : `network backend ${backend} cannot isolate a bridge`;
  return host.run('slirp4netns', ['--version'])?.status === 0 ? { kind: 'slirp4netns', why } : { kind: 'none', why };
}

/**
 * The pod must not share a network other containers are on (kube play's default network is reached
 * from every bridge of the host: measured on 4.3.1, 5.4.2 and 5.8.6). Before a start: what
 * pod-network.sh will choose, or why it will fail. While the pod runs: which network it is really on
 * (a bare `podman kube play` without --network puts it back on podman-default-kube-network).
 */
export function checkPodNetwork(plan: InstallPlan, podRunning: boolean, host: DoctorHost): Check[] {
  const planned = plannedNetwork(host);
  if (!planned) return [];
  const out: Check[] = [];
  const quadlet = plan.files.find((f) => f.unitKind === 'quadlet');
  const quadletInstalled = quadlet !== undefined && existsSync(quadlet.to);
  if (planned.kind === 'bridge')
    out.push({
      severity: 'passed',
      message: `the pod's network: bridge ${plan.podName} with isolate=strict (netavark ${planned.netavark}): no other container reaches it`,
    });
  else if (quadletInstalled)
    out.push({
      severity: 'error',
      message: `the Quadlet unit needs an isolated bridge, and ${planned.why}: its ExecStartPre (pod-network.sh --strict) fails the start`,
      fix: `install --unit podman-kube (it uses slirp4netns here), or upgrade podman and netavark`,
    });
  else if (planned.kind === 'slirp4netns')
    out.push({ severity: 'passed', message: `the pod's network: slirp4netns (${planned.why}): the pod is on no bridge` });
  else
    out.push({
      severity: 'error',
      message: `no network can keep other containers away from the pod: ${planned.why}, and slirp4netns is not installed (pod-network.sh fails the start)`,
      fix: 'apt-get install slirp4netns',
    });
  if (podRunning) out.push(runningNetwork(plan, quadletInstalled ? plan.quadletUnit : plan.unit, host));
  return out;
}

function runningNetwork(plan: InstallPlan, unit: string, host: DoctorHost): Check {
  const script = plan.files.find((f) => f.from === 'libexec/pod-network.sh')?.to ?? 'pod-network.sh';
  const infra = host.run('podman', ['pod', 'inspect', '--format', '{{.InfraContainerID}}', plan.podName])?.stdout.trim();
  const seen = infra
    ? host.run('podman', ['inspect', '--format', '{{.HostConfig.NetworkMode}}|{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', infra])
    : undefined;
  if (!seen || seen.status !== 0) return { severity: 'info', message: `pod ${plan.podName} is running; its network could not be read (podman inspect)` };
  const [mode, nets = ''] = seen.stdout.trim().split('|');
  const networks = nets.split(/\s+/).filter(Boolean);
  if (mode === 'slirp4netns') return { severity: 'passed', message: `pod ${plan.podName} runs on slirp4netns: no other container reaches it` };
  const isolate =
    networks.length === 1 && networks[0] === plan.podName
      ? host.run('podman', ['network', 'inspect', '--format', '{{index .Options "isolate"}}', plan.podName])?.stdout.trim()
      : undefined;
  if (isolate === 'strict')
    return { severity: 'passed', message: `pod ${plan.podName} runs on its own bridge ${plan.podName} (isolate=strict): no other container reaches it` };
  return {
    severity: 'warning',
    message: `pod ${plan.podName} runs on ${networks.length ? `network ${networks.join(', ')}` : `network mode ${mode}`}${isolate !== undefined ? ` (isolate=${isolate || 'false'})` : ''}: other containers of this host can reach all its ports`,
    fix: `systemctl restart '${unit}' (the unit plays the pod on its own network), or play it by hand with --network "$(sh ${script})"`,
  };
}

import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseEnvFile } from '../lib/env-file';
import { receivesKey } from '../model/secret-keys';
import { detectPodmanVersion, formatVersion, olderThan, OLDEST_SUPPORTED_PODMAN } from '../lib/podman-version';
import { InstallPlan } from '../render/podman-files';
import type { Check } from './check';
import { checkDataDirs, checkUserFiles, checkWorkspaces } from './dir-checks';
import { DoctorHost, realHost } from './doctor-host';
import { checkPodNetwork } from './pod-network-check';
import { checkRunningPod } from './pod-freshness';
import { missingImages } from './pod-images';
import { readReceiptsQuiet } from './receipt';
import { checkUnusedImages } from './unused-images';

export type { Check, Passed } from './check';
export type { DoctorHost } from './doctor-host';

/**
 * Checks a host against what the synthesized pod needs (dist/ in `from`). Useful before `install`
 * (it says what install will do) and after it. Nothing is changed.
 */
export async function doctor(plan: InstallPlan, from: string, host: DoctorHost = realHost): Promise<Check[]> {
  const findings: Check[] = [];
  const podYamlInstalled = plan.files.find((f) => f.from === 'pod.yaml')!.to;

  const version = detectPodmanVersion();
  if (!version) {
    findings.push({
      severity: 'error',
      message: 'podman is not installed or does not run',
      fix: 'apt-get install podman (Debian 12: 4.3.1; also install runc if crun fails)',
    });
  } else if (olderThan(version, OLDEST_SUPPORTED_PODMAN)) {
    findings.push({ severity: 'error', message: `podman ${formatVersion(version)} is older than ${OLDEST_SUPPORTED_PODMAN}`, fix: 'upgrade podman' });
  } else {
    const note = olderThan(version, '4.4.0') ? ' (no Quadlet and no startupProbe before 4.4: use the podman-kube@ drop-in)' : '';
    findings.push({ severity: 'passed', message: `podman ${formatVersion(version)}${note}` });
  }

  if (version) findings.push(...checkImages(plan, host));
  // Without the controller (inside LXC or systemd-nspawn, some VPS kernels) runc fails every
  // container that has a limit ("error setting cgroup config"), and the unit never comes up.
  if (plan.memoryLimits && !host.memoryController()) {
    findings.push({
      severity: 'error',
      message: 'this host has no cgroup memory controller: podman cannot start a container with a memory limit',
      fix: 'set memoryLimits: false in the configuration and synth again (or enable the controller)',
    });
  }

  for (const mount of plan.hostMounts) {
    if (mount.path === plan.envFile) continue;
    const problem = checkHostPath(mount.path, mount.type);
    findings.push(
      problem
        ? {
            severity: 'error',
            message: `${mount.service}: ${mount.path} ${problem}`,
            fix: mount.type === 'Socket' ? 'systemctl enable --now podman.socket' : `create ${mount.path} or change it in the configuration`,
          }
        : { severity: 'passed', message: `${mount.service}: ${mount.path} (${mount.type})` },
    );
    if (mount.type === 'Socket') findings.push(...checkPodmanSocket(mount, host));
    if (!problem && mount.field) findings.push(...checkUserFiles({ ...mount, field: mount.field }, plan));
  }

  findings.push(...checkEnvFile(plan));

  findings.push(...checkDataDirs(plan), ...checkWorkspaces(plan));

  const podRunning = podExists(plan.podName, host);
  if (version) findings.push(...checkPodNetwork(plan, podRunning, host));
  for (const { service, address, port, exposure, passwordKey } of plan.hostPorts) {
    // Beyond loopback: say so, loudly when no password guards it (services.<name>.exposeUnauthenticated).
    if (exposure === 'unauthenticated')
      findings.push({
        severity: 'warning',
        message: `${address}:${port} (${service}) is published beyond loopback WITHOUT a password: anyone who reaches ${address} can use it`,
        fix: `keep it on 127.0.0.1 (services.${service}.bindAddress), unless services.${service}.exposeUnauthenticated is what you mean`,
      });
    else if (exposure === 'password')
      findings.push({ severity: 'passed', message: `${address}:${port} (${service}) is published beyond loopback; ${service} requires ${passwordKey}` });
    const free = await portFree(address, port);
    if (free === 'absent')
      findings.push({
        severity: 'error',
        message: `${address}:${port} (${service}): ${address} is not an address of this host, so podman cannot publish there`,
        fix: `start what brings the address up first (e.g. tailscale up), or change services.${service}.bindAddress / bindAddress`,
      });
    else if (free) findings.push({ severity: 'passed', message: `${address}:${port} (${service}) is free` });
    else if (podRunning) findings.push({ severity: 'passed', message: `${address}:${port} (${service}) is in use; pod ${plan.podName} is running` });
    else
      findings.push({
        severity: 'error',
        message: `${address}:${port} (${service}) is already in use by another program`,
        fix: `ss -ltnp 'sport = :${port}' shows which; stop it or change the port in the configuration`,
      });
  }

  findings.push(checkInstalled(plan, from, podYamlInstalled));
  if (existsSync(podYamlInstalled)) findings.push(...checkRunningPod(plan, host));
  if (version)
    findings.push(
      ...checkUnusedImages(
        plan,
        readReceiptsQuiet().flatMap((r) => r.images ?? []),
        host,
      ),
    );
  return findings;
}

/** Every image must be in local storage: no registry is asked at start (and on a host without one, none could be). */
function checkImages(plan: InstallPlan, host: DoctorHost): Check[] {
  const missing = new Set(missingImages(plan, host).map((m) => m.image));
  return (plan.images ?? []).map(({ service, image, get }) =>
    missing.has(image)
      ? { severity: 'error', message: `${service}: image ${image} is not in local storage; the pod cannot start without it`, fix: get }
      : { severity: 'passed', message: `${service}: image ${image} is present` },
  );
}

/**
 * The socket file exists only while podman.socket is active; after a reboot it is there again only
 * if the unit is enabled, else the Datadog container fails to start.
 */
function checkPodmanSocket(mount: InstallPlan['hostMounts'][number], host: DoctorHost): Check[] {
  const grants = `${mount.service} mounts ${mount.path}: the podman API of this host, which lets that container start privileged containers (full control of the host); services.datadog.containerDiscovery: false runs the agent without it`;
  const out: Check[] = [{ severity: 'info', message: grants }];
  if (!host.systemdRunning()) return out;
  const enabled = host.run('systemctl', ['is-enabled', 'podman.socket'])?.stdout.trim();
  out.push(
    enabled === 'enabled'
      ? { severity: 'passed', message: 'podman.socket is enabled (the socket is there after a reboot)' }
      : {
          severity: 'error',
          message: `podman.socket is ${enabled || 'unknown to systemd'}: after a reboot ${mount.path} is missing and ${mount.service} cannot start`,
          fix: 'systemctl enable --now podman.socket',
        },
  );
  return out;
}

/** Before install: what install will do (not a problem). After: the installed pod.yaml must be the one synth wrote. */
function checkInstalled(plan: InstallPlan, from: string, podYamlInstalled: string): Check {
  if (!existsSync(podYamlInstalled)) {
    const units = plan.files.filter((f) => f.from !== 'pod.yaml' && f.unitKind !== 'quadlet').length;
    return {
      severity: 'info',
      message: `not installed yet: install will copy pod.yaml to ${podYamlInstalled} and ${units} unit and helper files, create the missing data directories, then: systemctl daemon-reload; systemctl enable --now '${plan.unit}'`,
    };
  }
  const synthesized = join(from, 'pod.yaml');
  if (existsSync(synthesized) && readFileSync(synthesized, 'utf8') !== readFileSync(podYamlInstalled, 'utf8')) {
    return {
      severity: 'error',
      message: `${podYamlInstalled} differs from ${synthesized} (installed from an older synth?)`,
      fix: 'opencode-memory-pod install (on this host it also restarts the running unit)',
    };
  }
  return { severity: 'passed', message: `${podYamlInstalled} is installed and matches ${synthesized}` };
}

function checkEnvFile(plan: InstallPlan): Check[] {
  const path = plan.envFile;
  if (!existsSync(path)) {
    return [
      {
        severity: 'error',
        message: `env file ${path} is missing`,
        fix: `install -m 0600 /dev/null ${path} and add ${plan.requiredEnvKeys.map((k) => `${k}=...`).join(', ')}`,
      },
    ];
  }
  try {
    accessSync(path, constants.R_OK);
  } catch {
    return [{ severity: 'error', message: `env file ${path} is not readable by this user`, fix: 'run doctor as root (the pod runs as root)' }];
  }
  const findings: Check[] = [];
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077)
    findings.push({ severity: 'error', message: `env file ${path} has mode ${mode.toString(8)}: others can read the secrets`, fix: `chmod 600 ${path}` });
  const parsed = parseEnvFile(readFileSync(path, 'utf8'));
  for (const key of plan.requiredEnvKeys) {
    findings.push(
      parsed.values.get(key)
        ? { severity: 'passed', message: `env file sets ${key}` }
        : { severity: 'error', message: `env file does not set ${key}`, fix: `add ${key}=... to ${path}` },
    );
  }
  // Which container gets which key (names only): a key nobody receives is most likely a typo or a
  // provider key the configuration does not hand to OpenCode yet.
  const keys = [...parsed.values.keys()];
  for (const [service, patterns] of Object.entries(plan.secretKeys ?? {})) {
    const got = keys.filter((k) => receivesKey(patterns, k));
    findings.push({ severity: 'info', message: `${service} receives ${got.length ? got.join(', ') : 'no key'} from the env file` });
  }
  const nobody = plan.secretKeys ? keys.filter((k) => !Object.values(plan.secretKeys).some((p) => receivesKey(p, k))) : [];
  if (nobody.length) {
    findings.push({
      severity: 'info',
      message: `no container receives ${nobody.join(', ')}`,
      fix: 'add it to services.<name>.secretKeys of the service that reads it, or remove it',
    });
  }
  for (const s of parsed.skipped) {
    const fix = /reserved|upper case/.test(s.reason) ? 'remove the line or rename the key: the containers never get it' : 'write it as KEY=VALUE';
    findings.push({ severity: 'error', message: `env file line ${s.line} is skipped (${s.reason})`, fix });
  }
  return findings;
}

function checkHostPath(path: string, type: string): string | undefined {
  if (!existsSync(path)) return 'does not exist';
  const st = statSync(path);
  if (type === 'Socket' && !st.isSocket()) return 'is not a socket';
  if (type === 'File' && !st.isFile()) return 'is not a file';
  if (type === 'Directory' && !st.isDirectory()) return 'is not a directory';
  return undefined;
}

function podExists(name: string, host: DoctorHost): boolean {
  return host.run('podman', ['pod', 'exists', name])?.status === 0;
}

/** true: free; false: taken; 'absent': the address is not one of this host's (EADDRNOTAVAIL). */
function portFree(address: string, port: number): Promise<boolean | 'absent'> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'EADDRNOTAVAIL' ? 'absent' : false));
    server.listen({ host: address, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

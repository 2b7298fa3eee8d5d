import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { parseEnvFile } from './env-file';
import { detectPodmanVersion, formatVersion, olderThan, OLDEST_SUPPORTED_PODMAN } from './podman-version';
import { InstallPlan } from './synth';

/** One finding: what is wrong and the command or step that fixes it. */
export interface Finding {
  readonly ok: boolean;
  readonly what: string;
  readonly fix?: string;
}

/** Checks a host against what the synthesized pod needs. Nothing is changed. */
export async function doctor(plan: InstallPlan, podYamlInstalled: string): Promise<Finding[]> {
  const findings: Finding[] = [];

  const version = detectPodmanVersion();
  if (!version) {
    findings.push({ ok: false, what: 'podman is not installed or does not run', fix: 'apt-get install podman (Debian 12: 4.3.1; also install runc if crun fails)' });
  } else if (olderThan(version, OLDEST_SUPPORTED_PODMAN)) {
    findings.push({ ok: false, what: `podman ${formatVersion(version)} is older than ${OLDEST_SUPPORTED_PODMAN}`, fix: 'upgrade podman' });
  } else {
    const note = olderThan(version, '4.4.0') ? ' (no Quadlet and no startupProbe before 4.4: use the podman-kube@ drop-in)' : '';
    findings.push({ ok: true, what: `podman ${formatVersion(version)}${note}` });
  }

  for (const mount of plan.hostMounts) {
    if (mount.path === plan.envFile) continue;
    const problem = checkHostPath(mount.path, mount.type);
    findings.push(
      problem
        ? { ok: false, what: `${mount.service}: ${mount.path} ${problem}`, fix: mount.type === 'Socket' ? 'systemctl enable --now podman.socket' : `create ${mount.path} or change it in the configuration` }
        : { ok: true, what: `${mount.service}: ${mount.path} (${mount.type})` },
    );
  }

  findings.push(...checkEnvFile(plan));

  for (const dir of plan.dataDirs) {
    if (existsSync(dir)) {
      findings.push(statSync(dir).isDirectory() ? { ok: true, what: `data directory ${dir}` } : { ok: false, what: `${dir} exists but is not a directory`, fix: `move it away; the pod keeps data there` });
    } else {
      findings.push({ ok: true, what: `data directory ${dir} will be created (parent ${nearestExisting(dir)})` });
    }
  }

  const podRunning = podExists(plan.podName);
  for (const { service, address, port } of plan.hostPorts) {
    const free = await portFree(address, port);
    if (free) findings.push({ ok: true, what: `${address}:${port} (${service}) is free` });
    else if (podRunning) findings.push({ ok: true, what: `${address}:${port} (${service}) is in use; pod ${plan.podName} is running` });
    else findings.push({ ok: false, what: `${address}:${port} (${service}) is already in use by another program`, fix: `ss -ltnp 'sport = :${port}' shows which; stop it or change the port in the configuration` });
  }

  findings.push(existsSync(podYamlInstalled) ? { ok: true, what: `${podYamlInstalled} is installed` } : { ok: false, what: `${podYamlInstalled} is not installed`, fix: 'opencode-memory-pod install' });
  return findings;
}

function checkEnvFile(plan: InstallPlan): Finding[] {
  const path = plan.envFile;
  if (!existsSync(path)) {
    return [{ ok: false, what: `env file ${path} is missing`, fix: `install -m 0600 /dev/null ${path} and add ${plan.requiredEnvKeys.map((k) => `${k}=...`).join(', ')}` }];
  }
  try {
    accessSync(path, constants.R_OK);
  } catch {
    return [{ ok: false, what: `env file ${path} is not readable by this user`, fix: 'run doctor as root (the pod runs as root)' }];
  }
  const findings: Finding[] = [];
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) findings.push({ ok: false, what: `env file ${path} has mode ${mode.toString(8)}: others can read the secrets`, fix: `chmod 600 ${path}` });
  const parsed = parseEnvFile(readFileSync(path, 'utf8'));
  for (const key of plan.requiredEnvKeys) {
    findings.push(parsed.values.get(key) ? { ok: true, what: `env file sets ${key}` } : { ok: false, what: `env file does not set ${key}`, fix: `add ${key}=... to ${path}` });
  }
  for (const s of parsed.skipped) findings.push({ ok: false, what: `env file line ${s.line} is skipped (${s.reason})`, fix: 'write it as KEY=VALUE' });
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

function nearestExisting(path: string): string {
  let dir = dirname(path);
  while (!existsSync(dir)) dir = dirname(dir);
  return dir;
}

function podExists(name: string): boolean {
  try {
    execFileSync('podman', ['pod', 'exists', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function portFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: address, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

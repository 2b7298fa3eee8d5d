import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemdEscape } from '../src/render/systemd-escape';
import { files, tempDir } from './helpers';

const TEMPLATE = '/usr/lib/systemd/system/podman-kube@.service';

describe('systemd-escape', () => {
  const samples = ['/etc/opencode-memory-pod/pod.yaml', '/srv/my pods/pod.yaml', '/a/.hidden/ü.yaml', '/x/a_b:c.yaml'];
  it('matches the real systemd-escape', () => {
    for (const s of samples) expect(systemdEscape(s)).toBe(execFileSync('systemd-escape', [s], { encoding: 'utf8' }).trim());
  });
  it('escapes the default path as the podman-kube@ instance', () => {
    expect(systemdEscape('/etc/opencode-memory-pod/pod.yaml')).toBe('-etc-opencode\\x2dmemory\\x2dpod-pod.yaml');
  });
});

describe('generated units', () => {
  const out = files();
  const dropInPath = [...out.keys()].find((k) => k.startsWith('systemd/'))!;
  const dropIn = out.get(dropInPath)!;

  it("names the drop-in after the escaped install path and has the design's settings", () => {
    expect(dropInPath).toBe('systemd/podman-kube@-etc-opencode\\x2dmemory\\x2dpod-pod.yaml.service.d/opencode-memory-pod.conf');
    expect(dropIn).toMatch(/^After=network-online\.target tailscaled\.service onepassword-secrets\.service$/m);
    expect(dropIn).toMatch(/^Wants=network-online\.target$/m);
    expect(dropIn).toMatch(/^Restart=always$/m);
    expect(dropIn).toMatch(/^RestartSec=10s$/m);
    expect(dropIn).toMatch(/^TimeoutStartSec=510$/m);
    expect(dropIn).toMatch(/^ExecStartPost=\/bin\/sh \/etc\/opencode-memory-pod\/wait-healthy\.sh$/m);
  });

  it('follows a changed install path everywhere', () => {
    const moved = files({ installPath: '/srv/omp/pod.yaml' });
    expect([...moved.keys()]).toContain('systemd/podman-kube@-srv-omp-pod.yaml.service.d/opencode-memory-pod.conf');
    expect(moved.get('quadlet/opencode-memory-pod.kube')).toMatch(/^Yaml=\/srv\/omp\/pod\.yaml$/m);
    expect(JSON.parse(moved.get('install.json')!).files[0]).toEqual({ from: 'pod.yaml', to: '/srv/omp/pod.yaml', mode: 0o644, runBy: 'pod' });
  });

  it("the drop-in on podman's template passes systemd-analyze verify with empty output", () => {
    const dir = tempDir('omp-units-');
    const unit = dropInPath.split('/')[1].replace(/\.d$/, '');
    copyFileSync(TEMPLATE, join(dir, 'podman-kube@.service'));
    mkdirSync(join(dir, `${unit}.d`));
    writeFileSync(join(dir, `${unit}.d`, 'opencode-memory-pod.conf'), dropIn);
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, unit)], {
      env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:` },
      encoding: 'utf8',
    });
    expect(r.stdout + r.stderr).toBe('');
    // The check is real: a bad line is reported.
    writeFileSync(join(dir, `${unit}.d`, 'opencode-memory-pod.conf'), dropIn.replace('Restart=always', 'Restart=sometimes'));
    const bad = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, unit)], {
      env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:` },
      encoding: 'utf8',
    });
    expect(bad.stdout + bad.stderr).toMatch(/Failed to parse service restart specifier/);
  });

  it('the service part of the Quadlet unit passes systemd-analyze verify', () => {
    // Quadlet (podman 4.4+) turns [Kube] into ExecStart=podman kube play; verify the rest as systemd sees it.
    const dir = tempDir('omp-quadlet-');
    const kube = out.get('quadlet/opencode-memory-pod.kube')!;
    const asService = kube
      // the whole [Kube] section (Yaml=, Network= and their comments)
      .replace(/\[Kube\]\n(?:.+\n)*\n/, '')
      .replace(
        '[Service]\n',
        '[Service]\nType=notify\nNotifyAccess=all\nExecStart=/usr/bin/podman kube play --replace --service-container=true --network opencode-memory-pod $1\n'.replace(
          '$1',
          '/etc/opencode-memory-pod/pod.yaml',
        ),
      );
    writeFileSync(join(dir, 'opencode-memory-pod.service'), asService);
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, 'opencode-memory-pod.service')], {
      env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:` },
      encoding: 'utf8',
    });
    expect(r.stdout + r.stderr).toBe('');
  });

  it("wait-healthy.sh runs each service's own check in its container, in start order", () => {
    const script = out.get('libexec/wait-healthy.sh')!;
    expect(script).toMatch(/^for svc in valkey falkordb datadog opencode; do$/m);
    expect(script).toMatch(/^  until podman exec "\$ctr" \/bin\/sh \/opt\/opencode-memory-pod\/health\.sh "\$svc"/m);
    // podman healthcheck run answers differently during a start period on each version: not used.
    expect(script).not.toContain('healthcheck run');
    expect(spawnSync('sh', ['-n', '-c', script]).status).toBe(0);
  });

  it('the pod unit wants the watchdog, a resident service that stops and restarts with that unit', () => {
    expect(dropIn).toMatch(/^Wants=opencode-memory-pod-watchdog\.service$/m);
    expect(out.get('quadlet/opencode-memory-pod.kube')).toMatch(/^Wants=opencode-memory-pod-watchdog\.service$/m);
    const service = out.get('systemd/opencode-memory-pod-watchdog.service')!;
    expect(service).toMatch(/^PartOf=podman-kube@-etc-opencode\\x2dmemory\\x2dpod-pod\.yaml\.service$/m);
    expect(service).toMatch(/^Restart=always$/m);
    // systemd C-unescapes ExecStart= arguments: the backslashes of \x2d are doubled to reach the script.
    expect(service).toContain('watchdog.sh podman-kube@-etc-opencode\\\\x2dmemory\\\\x2dpod-pod.yaml.service\n');
    expect(out.get('quadlet/opencode-memory-pod-watchdog.service')).toMatch(
      /^ExecStart=\/bin\/bash \/etc\/opencode-memory-pod\/watchdog\.sh opencode-memory-pod\.service$/m,
    );
    expect(spawnSync('bash', ['-n', '-c', out.get('libexec/watchdog.sh')!]).status).toBe(0);
  });

  it('the watchdog unit passes systemd-analyze verify with empty output', () => {
    const dir = tempDir('omp-watchdog-');
    const unit = dropInPath.split('/')[1].replace(/\.d$/, '');
    copyFileSync(TEMPLATE, join(dir, 'podman-kube@.service'));
    writeFileSync(join(dir, 'opencode-memory-pod-watchdog.service'), out.get('systemd/opencode-memory-pod-watchdog.service')!);
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, 'opencode-memory-pod-watchdog.service')], {
      env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:` },
      encoding: 'utf8',
    });
    expect(r.stdout + r.stderr, unit).toBe('');
  });
});

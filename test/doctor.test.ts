import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { doctor, DoctorHost } from '../src/host/doctor';
import { compareVersions, describeRange, parsePodmanVersion } from '../src/lib/podman-version';
import { InstallPlan } from '../src/render/podman-files';
import { tempDir } from './helpers';

function plan(dir: string, port: number): InstallPlan {
  return {
    podName: `omp-doctor-test-${process.pid}`,
    envFile: join(dir, 'opencode.env'),
    unit: 'x.service',
    quadletUnit: 'y.service',
    files: [
      { from: 'pod.yaml', to: join(dir, 'installed', 'pod.yaml'), mode: 0o644 },
      { from: 'systemd/x.conf', to: join(dir, 'installed', 'x.conf'), mode: 0o644, unitKind: 'podman-kube' },
      { from: 'quadlet/y.kube', to: join(dir, 'installed', 'y.kube'), mode: 0o644, unitKind: 'quadlet' },
    ],
    dataDirs: [{ service: 'valkey', path: join(dir, 'data', 'valkey') }],
    workspaces: [],
    requiredEnvKeys: ['DD_API_KEY', 'OPENCODE_SERVER_PASSWORD'],
    secretKeys: { valkey: ['VALKEY_PASSWORD'], datadog: ['DD_*'], opencode: ['OPENCODE_*', '*_API_KEY', '!DD_*'] },
    hostMounts: [{ service: 'datadog', path: join(dir, 'podman.sock'), type: 'Socket' }],
    hostPorts: [{ service: 'valkey', address: '127.0.0.1', port }],
    memoryLimits: true,
    images: [
      { service: 'valkey', image: 'docker.io/valkey/valkey:7.2', get: 'podman pull docker.io/valkey/valkey:7.2' },
      { service: 'opencode', image: 'localhost/opencode-server:1.18.34', get: 'opencode-memory-pod image build' },
    ],
  };
}

/** What the fake host's podman says about networks (without it, `podman info` cannot run). */
interface FakeNet {
  backend: string;
  netavark?: string;
  slirp4netns: boolean;
  /** The running pod's infra container: NetworkMode and its networks; the pod network's isolate option. */
  running?: { mode: string; networks: string[]; isolate?: string };
}

/** A host whose podman has `images` and whose systemctl says `socket` for podman.socket. */
function fakeHost(images: string[], socket: string | undefined, net?: FakeNet): DoctorHost {
  const ok = (stdout: string) => ({ status: 0, stdout });
  return {
    run(cmd, args) {
      if (cmd === 'podman' && args[0] === 'image' && args[1] === 'exists') return { status: images.includes(args[2]) ? 0 : 1, stdout: '' };
      // Each image its own ID (its index); no container.
      const id = (image: string) => String(images.indexOf(image) + 1).padEnd(64, '0');
      if (cmd === 'podman' && args[0] === 'images')
        return ok(images.map((i) => `${i.slice(0, i.lastIndexOf(':'))}|${i.slice(i.lastIndexOf(':') + 1)}|sha256:${id(i)}|100 MB\n`).join(''));
      if (cmd === 'podman' && args[0] === 'image' && args[1] === 'inspect')
        return images.includes(args.at(-1)!) ? ok(`${id(args.at(-1)!)}\n`) : { status: 125, stdout: '' };
      if (cmd === 'podman' && args[0] === 'ps') return ok('');
      if (cmd === 'podman' && args[0] === 'info') return net ? ok(`${net.backend}\n`) : undefined;
      if (cmd.endsWith('/netavark')) return net?.netavark && cmd === '/usr/lib/podman/netavark' ? ok(`netavark ${net.netavark}\n`) : undefined;
      if (cmd === 'slirp4netns') return net?.slirp4netns ? ok('slirp4netns version 1.2.0\n') : undefined;
      if (cmd === 'podman' && args.join(' ').startsWith('pod exists')) return { status: net?.running ? 0 : 1, stdout: '' };
      if (cmd === 'podman' && args.join(' ').startsWith('pod inspect')) return ok('f00d\n');
      if (cmd === 'podman' && args[0] === 'inspect' && args.at(-1) === 'f00d')
        return ok(`${net!.running!.mode}|${net!.running!.networks.map((n) => `${n} `).join('')}\n`);
      if (cmd === 'podman' && args[0] === 'network' && args[1] === 'inspect')
        return net?.running?.isolate === undefined ? { status: 125, stdout: '' } : ok(`${net.running.isolate}\n`);
      if (cmd === 'systemctl' && args.join(' ') === 'is-enabled podman.socket')
        return socket === undefined ? undefined : { status: socket === 'enabled' ? 0 : 1, stdout: `${socket}\n` };
      throw new Error(`unexpected ${cmd} ${args.join(' ')}`);
    },
    systemdRunning: () => socket !== undefined,
    memoryController: () => socket !== 'disabled',
  };
}

describe('doctor', () => {
  it('reads and compares podman versions numerically (shared with validate)', () => {
    const v = (text: string) => parsePodmanVersion(text)!;
    expect(v('podman version 5.4.2')).toEqual({ major: 5, minor: 4, patch: 2 });
    expect(v('4.9')).toEqual({ major: 4, minor: 9, patch: 0 });
    expect(parsePodmanVersion('podman')).toBeUndefined();
    expect(compareVersions(v('4.3.1'), v('4.10.0'))).toBeLessThan(0);
    expect(compareVersions(v('5.4.2'), v('4.3.1'))).toBeGreaterThan(0);
    expect(compareVersions(v('4.3.1'), v('4.3.1'))).toBe(0);
    expect(describeRange({ from: '4.3.0', before: '4.4.0' })).toBe('podman 4.3.x');
    expect(describeRange({ from: '4.3.0', before: '4.8.0' })).toBe('podman 4.3.0-4.7.x');
    expect(describeRange({ from: '4.3.0', before: '4.4.3' })).toBe('podman 4.3.0-4.4.2');
    expect(describeRange({ before: '4.4.0' })).toBe('podman before 4.4.0');
  });

  it('reports each problem with a fix: socket, env file mode and keys, taken port', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'opencode.env'), 'DD_API_KEY=abc\nbroken line\nANTHROPIC_API_KEY=ant\nTYPO_PASWORD=x\n', { mode: 0o644 });
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const findings = await doctor(plan(dir, port), join(dir, 'dist'), fakeHost(['docker.io/valkey/valkey:7.2'], 'disabled'));
      const bad = findings.filter((f) => f.severity === 'error').map((f) => `${f.message} | ${f.fix}`);
      expect(bad).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/podman\.sock does not exist \| systemctl enable --now podman\.socket/),
          expect.stringMatching(/mode 644: others can read the secrets \| chmod 600/),
          expect.stringMatching(/does not set OPENCODE_SERVER_PASSWORD/),
          expect.stringMatching(/line 2 is skipped \(no '='\)/),
          expect.stringMatching(new RegExp(`127\\.0\\.0\\.1:${port} \\(valkey\\) is already in use`)),
          expect.stringMatching(/opencode: image localhost\/opencode-server:1\.18\.34 is not in local storage.* \| opencode-memory-pod image build$/),
          expect.stringMatching(
            /podman\.socket is disabled: after a reboot .*podman\.sock is missing and datadog cannot start \| systemctl enable --now podman\.socket/,
          ),
          expect.stringMatching(/no cgroup memory controller.* \| set memoryLimits: false/),
        ]),
      );
      expect(bad).toHaveLength(8);
      // Before install, doctor says what install will do instead of failing.
      const note = findings.find((f) => f.message.startsWith('not installed yet'))!;
      expect(note).toMatchObject({ severity: 'info' });
      expect(note.message).toContain(`install will copy pod.yaml to ${join(dir, 'installed', 'pod.yaml')} and 1 unit and helper files`);
      expect(findings.find((f) => f.message.includes('valkey: image'))).toMatchObject({
        severity: 'passed',
        message: 'valkey: image docker.io/valkey/valkey:7.2 is present',
      });
      expect(findings.find((f) => f.severity === 'info' && f.message.includes('full control of the host'))).toBeDefined();
      expect(findings.filter((f) => f.severity === 'passed').map((f) => f.message)).toEqual(expect.arrayContaining(['env file sets DD_API_KEY']));
      // Which container receives which key, by name; a key nobody receives is pointed out.
      const notes = findings.filter((f) => f.severity === 'info').map((f) => f.message);
      expect(notes).toEqual(
        expect.arrayContaining([
          'datadog receives DD_API_KEY from the env file',
          'opencode receives ANTHROPIC_API_KEY from the env file',
          'valkey receives no key from the env file',
          'no container receives TYPO_PASWORD',
        ]),
      );
      expect(JSON.stringify(findings)).not.toContain('abc');
      expect(JSON.stringify(findings)).not.toContain('ant"');
    } finally {
      server.close();
    }
  });

  it('says who can reach each port beyond loopback, warns of one without a password, and tells an address the host lacks from a taken port', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'opencode.env'), 'DD_API_KEY=abc\nOPENCODE_SERVER_PASSWORD=x\n', { mode: 0o600 });
    const p: InstallPlan = {
      ...plan(dir, 1),
      hostPorts: [
        // 192.0.2.0/24 is TEST-NET-1: never an address of this host (a Tailscale address before `tailscale up`).
        { service: 'opencode', address: '192.0.2.7', port: 4096, exposure: 'password', passwordKey: 'OPENCODE_SERVER_PASSWORD' },
        { service: 'datadog', address: '0.0.0.0', port: 0, exposure: 'unauthenticated' },
      ],
    };
    const findings = await doctor(p, join(dir, 'dist'), fakeHost([], 'enabled'));
    const about = (text: string) => findings.filter((f) => f.message.includes(text)).map((f) => `${f.severity}: ${f.message}`);
    expect(about('192.0.2.7')).toEqual([
      'passed: 192.0.2.7:4096 (opencode) is published beyond loopback; opencode requires OPENCODE_SERVER_PASSWORD',
      'error: 192.0.2.7:4096 (opencode): 192.0.2.7 is not an address of this host, so podman cannot publish there',
    ]);
    expect(about('(datadog)')).toEqual([
      'warning: 0.0.0.0:0 (datadog) is published beyond loopback WITHOUT a password: anyone who reaches 0.0.0.0 can use it',
      'passed: 0.0.0.0:0 (datadog) is free',
    ]);
  });

  it('reports a missing env file; without memory limits a host lacking the memory controller is fine', async () => {
    const dir = tempDir();
    const findings = await doctor({ ...plan(dir, 1), memoryLimits: false }, join(dir, 'dist'), fakeHost([], 'disabled'));
    expect(findings.filter((f) => f.message.includes('memory controller'))).toEqual([]);
    expect(findings.find((f) => f.message.includes('opencode.env is missing'))?.fix).toMatch(/DD_API_KEY=\.\.\., OPENCODE_SERVER_PASSWORD=\.\.\./);
  });

  it('after install: an installed pod.yaml that differs from dist/ is a problem; an enabled podman.socket is fine', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'installed'));
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'pod.yaml'), 'new\n');
    writeFileSync(join(dir, 'installed', 'pod.yaml'), 'old\n');
    const host = fakeHost(['docker.io/valkey/valkey:7.2', 'localhost/opencode-server:1.18.34'], 'enabled');
    let findings = await doctor(plan(dir, 1), join(dir, 'dist'), host);
    expect(findings.find((f) => f.message.includes('differs from'))).toMatchObject({
      severity: 'error',
      fix: expect.stringMatching(/^opencode-memory-pod install/),
    });
    expect(findings.find((f) => f.message.startsWith('podman.socket'))).toMatchObject({ severity: 'passed' });
    expect(findings.filter((f) => f.message.includes('image') && f.severity === 'error')).toEqual([]);
    writeFileSync(join(dir, 'installed', 'pod.yaml'), 'new\n');
    findings = await doctor(plan(dir, 1), join(dir, 'dist'), host);
    expect(findings.find((f) => f.message.includes('is installed and matches'))).toMatchObject({ severity: 'passed' });
  });

  it('after an upgrade: the OpenCode build of the version before is named with its podman rmi line, as a note (exit 0)', async () => {
    const dir = tempDir();
    const host = fakeHost(['docker.io/valkey/valkey:7.2', 'localhost/opencode-server:1.18.34', 'localhost/opencode-server:1.18.33'], 'enabled');
    const findings = await doctor(plan(dir, 1), join(dir, 'dist'), host);
    expect(findings.filter((f) => f.fix?.startsWith('podman rmi'))).toEqual([
      {
        severity: 'info',
        message: expect.stringMatching(/^image localhost\/opencode-server:1\.18\.33 \(100 MB\) is used by no configuration here/),
        fix: 'podman rmi localhost/opencode-server:1.18.33',
      },
    ]);
  });
  it("names the pod's network: the one pod-network.sh will choose, and the one a running pod is really on", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'opencode.env'), 'DD_API_KEY=abc\nOPENCODE_SERVER_PASSWORD=x\n', { mode: 0o600 });
    const p = plan(dir, 1);
    const net = async (n: FakeNet) =>
      (await doctor(p, join(dir, 'dist'), fakeHost([], 'enabled', n)))
        .filter((f) => /network|slirp4netns|runs on/.test(f.message))
        .map((f) => `${f.severity}: ${f.message}${f.fix ? ` | ${f.fix}` : ''}`);
    // podman 5.4.2 / 5.8.6
    expect(await net({ backend: 'netavark', netavark: '1.14.0', slirp4netns: false })).toEqual([
      `passed: the pod's network: bridge ${p.podName} with isolate=strict (netavark 1.14.0): no other container reaches it`,
    ]);
    // podman 4.3.1 on Debian 12, with and without slirp4netns
    expect(await net({ backend: 'netavark', netavark: '1.4.0', slirp4netns: true })).toEqual([
      "passed: the pod's network: slirp4netns (netavark 1.4.0 cannot isolate a bridge (1.7+ can)): the pod is on no bridge",
    ]);
    expect(await net({ backend: 'cni', slirp4netns: false })).toEqual([
      'error: no network can keep other containers away from the pod: network backend cni cannot isolate a bridge, and slirp4netns is not installed (pod-network.sh fails the start) | apt-get install slirp4netns',
    ]);
    // Running: on its own strict bridge, on slirp4netns, and played by hand without --network.
    const running = (running: FakeNet['running']) => net({ backend: 'netavark', netavark: '1.17.2', slirp4netns: true, running });
    expect((await running({ mode: 'bridge', networks: [p.podName], isolate: 'strict' }))[1]).toBe(
      `passed: pod ${p.podName} runs on its own bridge ${p.podName} (isolate=strict): no other container reaches it`,
    );
    expect((await running({ mode: 'slirp4netns', networks: [] }))[1]).toBe(`passed: pod ${p.podName} runs on slirp4netns: no other container reaches it`);
    expect((await running({ mode: 'bridge', networks: ['podman-default-kube-network'] }))[1]).toBe(
      `warning: pod ${p.podName} runs on network podman-default-kube-network: other containers of this host can reach all its ports | systemctl restart 'x.service' (the unit plays the pod on its own network), or play it by hand with --network "$(sh pod-network.sh)"`,
    );
    expect((await running({ mode: 'bridge', networks: [p.podName], isolate: '' }))[1]).toMatch(
      /runs on network omp-doctor-test-\d+ \(isolate=false\): other containers/,
    );
    // The Quadlet unit cannot fall back to slirp4netns.
    mkdirSync(join(dir, 'installed'));
    writeFileSync(join(dir, 'installed', 'y.kube'), '');
    expect(await net({ backend: 'netavark', netavark: '1.4.0', slirp4netns: true })).toEqual([
      'error: the Quadlet unit needs an isolated bridge, and netavark 1.4.0 cannot isolate a bridge (1.7+ can): its ExecStartPre (pod-network.sh --strict) fails the start | install --unit podman-kube (it uses slirp4netns here), or upgrade podman and netavark',
    ]);
  });
});

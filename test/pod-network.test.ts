import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { podNetworkScript } from '../src/render/pod-network';
import { files, model, shells, tempDir } from './helpers';

/**
 * pod-network.sh against a fake podman (logs its argv, answers `info` and `network inspect` as
 * told) and a fake netavark. What the real ones do was measured on 4.3.1, 5.4.2 and 5.8.6
 * (issue 24 helper report); this checks the script's choices.
 */
function setup(o: { backend: string; netavark: string; isolate?: string; slirp?: boolean }) {
  const dir = tempDir('omp-net-');
  const bin = join(dir, 'bin');
  spawnSync('mkdir', [bin]);
  const log = join(dir, 'podman.log');
  const which = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
  const fake = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  fake(
    'podman',
    [
      `echo "$*" >>${log}`,
      'case "$1 $2" in',
      `  "info --format") echo ${o.backend} ;;`,
      `  "network inspect") [ -n "${o.isolate ?? ''}" ] && echo "${o.isolate ?? ''}" || exit 125 ;;`,
      `  "network exists") [ -n "${o.isolate ?? ''}" ] ;;`,
      'esac',
    ].join('\n'),
  );
  fake('netavark', `echo "netavark ${o.netavark}"`);
  fake('echo-args', 'printf "[%s]" "$@"; echo');
  if (o.slirp !== false) fake('slirp4netns', 'exit 0');
  // Only these on PATH: the host's own slirp4netns must not count.
  for (const tool of ['sed', 'tr']) symlinkSync(which(tool), join(bin, tool));
  const script = join(dir, 'pod-network.sh');
  writeFileSync(script, podNetworkScript(model()));
  const run = (sh: string[], ...args: string[]) =>
    spawnSync(which(sh[0]), [...sh.slice(1), script, ...args], {
      env: { PATH: bin, OMP_NETAVARK: join(bin, 'netavark') },
      encoding: 'utf8',
    });
  const calls = () => {
    try {
      return readFileSync(log, 'utf8');
    } catch {
      return '';
    }
  };
  return { run, calls };
}

describe('pod-network.sh', () => {
  for (const sh of shells()) {
    describe(sh[0], () => {
      it('netavark 1.14 (podman 5.4.2): creates the pod bridge with isolate=strict and names it', () => {
        const { run, calls } = setup({ backend: 'netavark', netavark: '1.14.0' });
        const r = run(sh);
        expect(r.stderr).toBe('');
        expect(r.stdout).toBe('opencode-memory-pod\n');
        expect(calls()).toMatch(/^network create --opt isolate=strict opencode-memory-pod$/m);
      });
      it('an existing strict bridge is used as it is', () => {
        const { run, calls } = setup({ backend: 'netavark', netavark: '1.17.2', isolate: 'strict' });
        expect(run(sh).stdout).toBe('opencode-memory-pod\n');
        expect(calls()).not.toMatch(/network (create|rm)/);
      });
      it('a bridge of that name without strict is replaced', () => {
        const { run, calls } = setup({ backend: 'netavark', netavark: '1.17.2', isolate: 'true' });
        expect(run(sh).stdout).toBe('opencode-memory-pod\n');
        expect(calls()).toMatch(/^network rm opencode-memory-pod\nnetwork create --opt isolate=strict opencode-memory-pod$/m);
      });
      it('netavark 1.4.0 (Debian 12) or CNI: slirp4netns, no network created', () => {
        for (const o of [
          { backend: 'netavark', netavark: '1.4.0' },
          { backend: 'cni', netavark: '1.17.2' },
        ]) {
          const { run, calls } = setup(o);
          expect(run(sh).stdout).toBe('slirp4netns\n');
          expect(calls()).not.toMatch(/network create/);
        }
      });
      it('no isolated bridge and no slirp4netns: fails, saying what to install', () => {
        const { run } = setup({ backend: 'netavark', netavark: '1.4.0', slirp: false });
        const r = run(sh);
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/apt-get install slirp4netns/);
      });
      it('--exec puts --network VALUE before the last argument and keeps every argument whole', () => {
        const { run } = setup({ backend: 'netavark', netavark: '1.14.0', isolate: 'strict' });
        const r = run(sh, '--exec', 'echo-args', 'kube', 'play', '--replace', '/etc/a b/pod.yaml');
        expect(r.stdout).toBe('[kube][play][--replace][--network][opencode-memory-pod][/etc/a b/pod.yaml]\n');
      });
      it('--strict (Quadlet) refuses where the bridge cannot be isolated', () => {
        const { run } = setup({ backend: 'netavark', netavark: '1.4.0' });
        const r = run(sh, '--strict');
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/netavark 1\.7\+ is needed/);
      });
    });
  }
});

describe('units', () => {
  const out = files();
  it('the podman-kube@ drop-in plays through pod-network.sh; Quadlet names the bridge and ensures it', () => {
    const dropIn = [...out.entries()].find(([k]) => k.startsWith('systemd/'))![1];
    expect(dropIn).toMatch(
      /^ExecStart=\nExecStart=\/bin\/sh \/etc\/opencode-memory-pod\/pod-network\.sh --exec \/usr\/bin\/podman kube play --replace --service-container=true %I$/m,
    );
    const quadlet = out.get('quadlet/opencode-memory-pod.kube')!;
    expect(quadlet).toMatch(/^Network=opencode-memory-pod$/m);
    expect(quadlet).toMatch(/^ExecStartPre=\/bin\/sh \/etc\/opencode-memory-pod\/pod-network\.sh --strict$/m);
    expect(out.get('libexec/pod-network.sh')).toBe(podNetworkScript(model()));
  });
});

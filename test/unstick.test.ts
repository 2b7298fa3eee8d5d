import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { files, tempDir } from './helpers';

// unstick.sh with a podman that hangs (as podman 4.3.1 did, deadlocked on the pod's locks) or
// answers, and real processes shaped like conmon and its `podman container cleanup` child.
const script = files().get('libexec/unstick.sh')!;
const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL'); // the whole group this test started
    } catch {
      // already gone
    }
  }
});

/** A process whose argv reads like a conmon named NAME, with a child whose argv ends in `container cleanup <id>`. */
function conmonWithCleanup(name: string): Promise<number> {
  const p = spawn('sh', ['-c', `sh -c 'sleep 60; :' podman --root x container cleanup c0ffee & wait; :`, 'sh', `conmon -c c0ffee -n ${name} -u x`], {
    stdio: 'ignore',
    detached: true, // its own process group, ended whole after the test
  });
  started.push(p.pid!);
  return new Promise((res) => setTimeout(() => res(p.pid!), 300));
}
/** The pid of CONMON's child whose argv ends in `container cleanup c0ffee`. */
function cleanupOf(conmon: number): number | undefined {
  const r = spawnSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  const line = r.stdout.split('\n').find((l) => l.trim().split(/\s+/)[1] === String(conmon) && l.endsWith('container cleanup c0ffee'));
  return line ? Number(line.trim().split(/\s+/)[0]) : undefined;
}
const alive = (pid: number) => spawnSync('kill', ['-0', String(pid)]).status === 0;

function run(podmanHangs: boolean) {
  const dir = tempDir('omp-unstick-');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  // Hangs until a cleanup is ended (the deadlock frees), as podman's lock waits did.
  writeFileSync(join(bin, 'podman'), podmanHangs ? `#!/bin/sh\n[ -e ${dir}/freed ] && exit 0\nsleep 5\n` : '#!/bin/sh\nexit 0\n');
  chmodSync(join(bin, 'podman'), 0o755);
  const body = script
    .replace(/timeout 15 /g, 'timeout 1 ')
    .replace(/\$3 >= 10 /, '$3 >= 0 ')
    .replace('kill -KILL "$pid" 2>/dev/null &&', `kill -KILL "$pid" 2>/dev/null && : >${dir}/freed &&`);
  return spawnSync('sh', ['-c', body, 'unstick.sh'], { env: { PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8' });
}

describe('unstick.sh', () => {
  it('does nothing while podman answers', async () => {
    const ours = cleanupOf(await conmonWithCleanup('opencode-memory-pod-valkey'))!;
    const r = run(false);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(alive(ours)).toBe(true);
  });

  it("ends the stuck cleanups of this pod's conmons when podman does not answer, and nothing else", async () => {
    const ours = cleanupOf(await conmonWithCleanup('opencode-memory-pod-valkey'))!;
    const infra = cleanupOf(await conmonWithCleanup('958666a7c53b-infra'))!;
    const other = cleanupOf(await conmonWithCleanup('another-pod-valkey'))!;
    expect([ours, infra, other].every((p) => p && alive(p))).toBe(true);
    const r = run(true);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('podman did not answer `podman ps` within 15 s');
    expect(r.stdout).toMatch(new RegExp(`ending podman's cleanup of opencode-memory-pod-valkey \\(pid ${ours}, stuck for \\d+ s\\)`));
    expect(r.stdout).toContain('podman answers again (2 stuck cleanup(s) ended)');
    await new Promise((res) => setTimeout(res, 100));
    expect(alive(ours)).toBe(false);
    expect(alive(infra)).toBe(false);
    expect(alive(other)).toBe(true);
  });
});

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { files, tempDir } from './helpers';

// watchdog.sh's decisions, with podman and systemctl replaced by scripts that print what a real
// podman prints (`podman ps --format '{{.Names}}|{{.Pid}}|{{.Status}}'` on 4.3.1 and 5.x) and record
// what they were asked. What podman then does is checked on real podman by the end-to-end suite.
const script = files().get('libexec/watchdog.sh')!;
const victims: number[] = [];
afterEach(() => {
  for (const pid of victims.splice(0)) spawnSync('kill', ['-9', String(pid)]);
});

/** health: what `inspect` says of .State.Healthcheck.Status; after: of .State.Status once a process was killed (5.x: running again). */
function round(psLines: string[], opts: { active?: boolean; health?: string; after?: string; stateDir?: string; psHangs?: boolean } = {}) {
  const dir = tempDir('omp-watchdog-');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const calls = join(dir, 'calls');
  writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\necho "systemctl $*" >>${calls}\nexit ${opts.active === false ? 3 : 0}\n`);
  writeFileSync(
    join(bin, 'podman'),
    // A start records whether it saw the service's INVOCATION_ID (podman then keeps conmon in the round's cgroup).
    `#!/bin/sh\necho "podman $*" >>${calls}\n${opts.psHangs ? '[ "$1" = ps ] && exec sleep 30\n' : ''}[ "$1" = start ] && echo "start sees INVOCATION_ID=\${INVOCATION_ID:-unset}" >>${calls}\ncase $1 in\n  ps) cat ${join(dir, 'ps')} ;;\n` +
      `  inspect) case $3 in\n    '{{.State.Status}}') echo "${opts.after ?? 'running'}" ;;\n    '{{.State.Pid}}') echo 4242 ;;\n` +
      `    *) echo "${opts.health ?? ''}" ;;\n  esac ;;\nesac\n`,
  );
  for (const f of ['systemctl', 'podman']) chmodSync(join(bin, f), 0o755);
  writeFileSync(join(dir, 'ps'), psLines.map((l) => `${l}\n`).join(''));
  // The state directory is /run/<pod>-watchdog in the script; point it elsewhere for the test.
  const body = script
    .replace('state=/run/opencode-memory-pod-watchdog', `state=${opts.stateDir ?? join(dir, 'state')}`)
    .replace('/bin/sh /etc/opencode-memory-pod/podman-unwedge.sh', `echo "podman-unwedge.sh" >>${calls}`);
  // As systemd runs the round: with an INVOCATION_ID.
  const env = { PATH: `${bin}:${process.env.PATH}`, INVOCATION_ID: 'round-of-the-test' };
  const r = spawnSync('sh', ['-c', body, 'watchdog.sh', 'podman-kube@x.service'], { env, encoding: 'utf8' });
  return { ...r, calls: existsSync(calls) ? readFileSync(calls, 'utf8') : '', dir };
}

function victim(): number {
  const p = spawn('sleep', ['60'], { stdio: 'ignore' });
  victims.push(p.pid!);
  return p.pid!;
}
const alive = (pid: number) => spawnSync('kill', ['-0', String(pid)]).status === 0;

describe('watchdog.sh (one round)', () => {
  it('kills the process of a container podman reports unhealthy (4.3.1 and 5.x wording), and only that one', async () => {
    for (const status of ['Up 2 minutes ago (unhealthy)', 'Up 2 minutes (unhealthy)']) {
      const hung = victim();
      const fine = victim();
      const r = round([
        `abc-infra|1|Up 3 minutes`,
        `opencode-memory-pod-valkey|${hung}|${status}`,
        `opencode-memory-pod-falkordb|${fine}|Up 2 minutes (healthy)`,
      ]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`valkey is unhealthy (${status}); killing pid ${hung}`);
      await new Promise((res) => setTimeout(res, 100));
      expect(alive(hung)).toBe(false);
      expect(alive(fine)).toBe(true);
      expect(r.calls).not.toMatch(/podman (kill|start|stop|restart)/);
    }
  });

  it('kills an unhealthy container podman is stopping (its own restart waits the stop timeout for a hung process)', async () => {
    const hung = victim();
    const r = round([`opencode-memory-pod-valkey|${hung}|Stopping (unhealthy)`]);
    expect(r.stdout).toContain(`valkey is unhealthy (Stopping (unhealthy)); killing pid ${hung}`);
    await new Promise((res) => setTimeout(res, 100));
    expect(alive(hung)).toBe(false);
    // A plain stop (systemctl stop, podman stop) of a healthy container is left alone.
    const fine = victim();
    const plain = round([`opencode-memory-pod-valkey|${fine}|Stopping (healthy)`]);
    expect(plain.stdout).toBe('');
    expect(alive(fine)).toBe(true);
  });

  it('starts a killed container at once when podman left it stopped (4.3.1), and leaves it to podman when podman restarted it', async () => {
    const hung = victim();
    const left = round([`opencode-memory-pod-opencode|${hung}|Stopping (unhealthy)`], { after: 'exited' });
    expect(left.stdout).toContain('opencode was left stopped after the kill; starting it');
    expect(left.calls).toMatch(/^podman start opencode-memory-pod-opencode$/m);
    expect(left.calls).toMatch(/^start sees INVOCATION_ID=unset$/m);
    const other = victim();
    const restarted = round([`opencode-memory-pod-opencode|${other}|Up 1 minute (unhealthy)`], { after: 'running' });
    expect(restarted.stdout).toContain('killing');
    expect(restarted.calls).not.toMatch(/podman start/);
  });

  it('kills a container stuck in Stopping for 40 s (its stopping podman process is gone), not before', async () => {
    const state = join(tempDir('omp-watchdog-state-'), 'state');
    const stuck = victim();
    const first = round([`opencode-memory-pod-valkey|${stuck}|Stopping (healthy)`], { stateDir: state });
    expect(first.stdout).toBe('');
    expect(alive(stuck)).toBe(true);
    expect(readFileSync(join(state, 'valkey.stopping'), 'utf8').trim()).toMatch(/^\d+$/);
    // 30 s later: a slow stop (20 s timeout, a store saving) is still left alone. (Not 39: under
    // load the round may read the clock a second or more after this line.)
    writeFileSync(join(state, 'valkey.stopping'), `${Math.floor(Date.now() / 1000) - 30}\n`);
    expect(round([`opencode-memory-pod-valkey|${stuck}|Stopping (healthy)`], { stateDir: state }).stdout).toBe('');
    writeFileSync(join(state, 'valkey.stopping'), `${Math.floor(Date.now() / 1000) - 41}\n`);
    const late = round([`opencode-memory-pod-valkey|${stuck}|Stopping (healthy)`], { stateDir: state });
    expect(late.stdout).toMatch(new RegExp(`valkey is stuck stopping \\(Stopping \\(healthy\\), for 4\\d s\\); killing pid ${stuck}`));
    await new Promise((res) => setTimeout(res, 100));
    expect(alive(stuck)).toBe(false);
    // Seen running in between: the clock starts over.
    writeFileSync(join(state, 'valkey.stopping'), `${Math.floor(Date.now() / 1000) - 100}\n`);
    round([`opencode-memory-pod-valkey|${stuck}|Up 1 second (starting)`], { stateDir: state });
    expect(existsSync(join(state, 'valkey.stopping'))).toBe(false);
  });

  it('does not kill the same container again within its grace period, nor pid 0 or 1', () => {
    const state = join(tempDir('omp-watchdog-state-'), 'state');
    const hung = victim();
    const first = round([`opencode-memory-pod-valkey|${hung}|Up 1 minute (unhealthy)`], { stateDir: state });
    expect(first.stdout).toContain('killing');
    const again = victim();
    const second = round([`opencode-memory-pod-valkey|${again}|Up 1 second (unhealthy)`], { stateDir: state });
    expect(second.stdout).toBe('');
    expect(alive(again)).toBe(true);
    const zero = round(['opencode-memory-pod-falkordb|0|Up 1 minute (unhealthy)', 'opencode-memory-pod-datadog|1|Up 1 minute (unhealthy)']);
    expect(zero.stdout).toBe('');
  });

  it('starts at once a container podman stopped as unhealthy (podman 4.3.1), others after two rounds', () => {
    const unhealthy = round(['opencode-memory-pod-valkey|0|Exited (137) 3 seconds ago'], { health: 'unhealthy' });
    expect(unhealthy.calls).toMatch(/^podman start opencode-memory-pod-valkey$/m);
    // Not as part of the round: podman then keeps the container's conmon out of the round's cgroup.
    expect(unhealthy.calls).toMatch(/^start sees INVOCATION_ID=unset$/m);
    expect(unhealthy.calls).not.toMatch(/INVOCATION_ID=round-of-the-test/);
    const state = join(tempDir('omp-watchdog-state-'), 'state');
    const once = round(['opencode-memory-pod-opencode|0|Exited (0) 3 seconds ago'], { health: 'healthy', stateDir: state });
    expect(once.calls).not.toMatch(/podman start/);
    const twice = round(['opencode-memory-pod-opencode|0|Exited (0) 8 seconds ago'], { health: 'healthy', stateDir: state });
    expect(twice.calls).toMatch(/^podman start opencode-memory-pod-opencode$/m);
    // Running again in between: the count starts over.
    round(['opencode-memory-pod-opencode|0|Exited (0) 1 second ago'], { health: 'healthy', stateDir: state });
    round(['opencode-memory-pod-opencode|42|Up 1 second (starting)'], { stateDir: state });
    const after = round(['opencode-memory-pod-opencode|0|Exited (0) 1 second ago'], { health: 'healthy', stateDir: state });
    expect(after.calls).not.toMatch(/podman start/);
  });

  it('does nothing while the pod unit is not active (starting, stopping, stopped)', () => {
    const hung = victim();
    const r = round([`opencode-memory-pod-valkey|${hung}|Up 1 minute (unhealthy)`, 'opencode-memory-pod-falkordb|0|Exited (137) 1 minute ago'], {
      active: false,
      health: 'unhealthy',
    });
    expect(r.stdout).toBe('');
    expect(r.calls).not.toMatch(/^podman/m);
    expect(alive(hung)).toBe(true);
  });

  it('leaves containers of other pods and the infra container alone', () => {
    const other = victim();
    const r = round([`other-pod-valkey|${other}|Up 1 minute (unhealthy)`, `abc-infra|${other}|Up 1 minute (unhealthy)`]);
    expect(r.stdout).toBe('');
    expect(alive(other)).toBe(true);
  });

  it('looks for a podman deadlock (podman-unwedge.sh) when podman ps does not answer within 10 s, and does nothing else that round', () => {
    const t0 = Date.now();
    const r = round(['opencode-memory-pod-falkordb|0|Exited (137) 1 minute ago'], { psHangs: true, health: 'unhealthy' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(10000);
    expect(Date.now() - t0).toBeLessThan(20000);
    expect(r.calls).toMatch(/^podman-unwedge\.sh$/m);
    expect(r.calls).not.toMatch(/^podman (start|inspect)/m);
    // podman answers: no look.
    expect(round([]).calls).not.toMatch(/unwedge/);
  });
});

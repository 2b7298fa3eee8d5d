import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { files, tempDir } from './helpers';

// podman-unwedge.sh reads podman's lock segment and /proc. Here both are made up, in the shapes the
// kernel and podman give them (seen in the e2e machines on 4.3.1 and 5.4.2): the deadlock the suite
// met on 4.3.1, `podman pod start` holding the pod's lock (2) and waiting for the service
// container's (0), a container's `podman container cleanup` holding 0 and waiting for 2. The
// processes themselves are real (sleep), so that what is killed can be seen.
const script = files().get('libexec/podman-unwedge.sh')!;
const BASE = 0x7f0000000000;
const victims: number[] = [];
afterEach(() => {
  for (const pid of victims.splice(0)) spawnSync('kill', ['-9', String(pid)]);
});

function sleeper(): number {
  const p = spawn('sleep', ['60'], { stdio: 'ignore' });
  victims.push(p.pid!);
  return p.pid!;
}
const alive = (pid: number) => spawnSync('kill', ['-0', String(pid)]).status === 0;
const lockOffset = (lock: number) => 56 + Math.floor(lock / 32) * 1288 + 8 + (lock % 32) * 40;

interface Proc {
  pid: number;
  comm?: string;
  cmdline: string[];
  ppid?: number;
  /** The lock its (only) thread waits for. */
  waits?: number;
  /** Locks its thread holds. */
  holds?: number[];
  start?: number;
}

function fake(procs: Proc[], extra: Record<number, string[]> = {}) {
  const dir = tempDir('omp-unwedge-');
  const proc = join(dir, 'proc');
  const shm = Buffer.alloc(56 + 64 * 1288);
  for (const p of procs) {
    const d = join(proc, String(p.pid));
    mkdirSync(join(d, 'task', String(p.pid)), { recursive: true });
    writeFileSync(join(d, 'comm'), `${p.comm ?? 'podman'}\n`);
    writeFileSync(join(d, 'cmdline'), p.cmdline.map((a) => `${a}\0`).join(''));
    writeFileSync(join(d, 'status'), `Name:\t${p.comm ?? 'podman'}\nTgid:\t${p.pid}\nPPid:\t${p.ppid ?? 1}\n`);
    writeFileSync(join(d, 'stat'), `${p.pid} (${p.comm ?? 'podman'}) S ${p.ppid ?? 1}${' 0'.repeat(17)} ${p.start ?? 1000} 0 0\n`);
    writeFileSync(
      join(d, 'maps'),
      `00400000-02000000 r-xp 00000000 fe:01 1 /usr/bin/podman\n${BASE.toString(16)}-${(BASE + 0x15000).toString(16)} rw-s 00000000 00:2b 2                          /dev/shm/libpod_lock\n`,
    );
    const sys = p.waits === undefined ? '7 0x1 0x2 0x0' : `202 0x${(BASE + lockOffset(p.waits)).toString(16)} 0x0 0x80001234 0x0`;
    writeFileSync(join(d, 'task', String(p.pid), 'syscall'), `${sys} 0x0 0x0 0x7ffc 0x7f00\n`);
    // A waiter is marked in the lock word (0x80000000), as the kernel does.
    for (const l of p.holds ?? []) shm.writeUInt32LE((0x80000000 | p.pid) >>> 0, lockOffset(l));
  }
  for (const [pid, cmdline] of Object.entries(extra)) {
    mkdirSync(join(proc, pid), { recursive: true });
    writeFileSync(join(proc, pid, 'cmdline'), cmdline.map((a) => `${a}\0`).join(''));
    writeFileSync(join(proc, pid, 'comm'), 'conmon\n');
  }
  writeFileSync(join(dir, 'libpod_lock'), shm);
  const run = (...args: string[]) =>
    spawnSync('sh', ['-c', script, 'podman-unwedge.sh', ...args], {
      env: { ...process.env, OMP_PROC: proc, OMP_LOCK_SHM: join(dir, 'libpod_lock') },
      encoding: 'utf8',
    });
  return { run };
}

function podStartAndCleanup(podName = 'opencode-memory-pod') {
  const start = sleeper();
  const cleanup = sleeper();
  const conmon = sleeper();
  const procs: Proc[] = [
    { pid: start, cmdline: ['podman', 'pod', 'start', podName], holds: [2], waits: 0, start: 5000 },
    {
      pid: cleanup,
      cmdline: ['/usr/bin/podman', '--root', '/var/lib/containers/storage', 'container', 'cleanup', 'a'.repeat(64)],
      ppid: conmon,
      holds: [0],
      waits: 2,
      start: 4000,
    },
  ];
  return { start, cleanup, conmon, procs, extra: { [conmon]: ['/usr/bin/conmon', '--api-version', '1', '-n', `${podName}-valkey`] } };
}

describe('podman-unwedge.sh', () => {
  it("ends podman's cleanup helper of a deadlock with `podman pod start` on the pod's and the service container's locks, and says so", async () => {
    const { start, cleanup, procs, extra } = podStartAndCleanup();
    const r = fake(procs, extra).run();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('podman deadlock');
    expect(r.stdout).toContain(`pid ${start} waits for lock 0: podman pod start opencode-memory-pod`);
    expect(r.stdout).toContain(`pid ${cleanup} waits for lock 2: /usr/bin/podman --root`);
    expect(r.stdout).toContain(`ending pid ${cleanup} (podman's cleanup helper, on the stopping side)`);
    await new Promise((res) => setTimeout(res, 100));
    expect(alive(cleanup)).toBe(false);
    expect(alive(start)).toBe(true);
  });

  it('leaves processes alone that only wait (a lock held by a process that runs), and a deadlock of another pod', async () => {
    const holder = sleeper();
    const waiter = sleeper();
    const quiet = fake([
      { pid: holder, cmdline: ['podman', 'pod', 'stop', 'opencode-memory-pod'], holds: [2] },
      { pid: waiter, cmdline: ['podman', 'ps', '-a'], waits: 2 },
    ]).run();
    expect(quiet.status).toBe(0);
    expect(quiet.stdout).toBe('');
    const other = podStartAndCleanup('someone-elses-pod');
    const r = fake(other.procs, other.extra).run();
    expect(r.stdout).toBe('');
    await new Promise((res) => setTimeout(res, 100));
    for (const pid of [holder, waiter, other.start, other.cleanup]) expect(alive(pid)).toBe(true);
  });

  it("--while: ends its own command when it is in the deadlock (the unit stop's pod stop and a user's pod start, seen on 5.4.2)", async () => {
    const start = sleeper();
    const f = fake([{ pid: start, cmdline: ['podman', 'pod', 'start', 'opencode-memory-pod'], holds: [2], waits: 0, start: 9000 }]);
    // The command --while runs makes itself a deadlocked `podman pod stop` in the fake /proc (its
    // pid is known only once it runs): it holds lock 0 and waits for lock 2, then hangs.
    const dir = tempDir('omp-unwedge-cmd-');
    const cmd = join(dir, 'stop.sh');
    writeFileSync(
      cmd,
      `set -e; d=$OMP_PROC/$$; mkdir -p "$d/task/$$"
echo podman >"$d/comm"; printf 'podman\\0pod\\0stop\\0--ignore\\0opencode-memory-pod\\0' >"$d/cmdline"
printf 'Tgid:\\t%s\\nPPid:\\t1\\n' $$ >"$d/status"; echo "$$ (podman) S 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 100 0 0" >"$d/stat"
printf '%x-%x rw-s 00000000 00:2b 2 /dev/shm/libpod_lock\\n' ${BASE} ${BASE + 0x15000} >"$d/maps"
printf '202 0x%x 0x0 0x0\\n' ${BASE + lockOffset(2)} >"$d/task/$$/syscall"
w=$(( 0x80000000 | $$ ))
printf "$(printf '\\\\%03o\\\\%03o\\\\%03o\\\\%03o' $((w & 255)) $((w >> 8 & 255)) $((w >> 16 & 255)) $((w >> 24 & 255)))" | dd of="$OMP_LOCK_SHM" bs=1 seek=${lockOffset(0)} conv=notrunc 2>/dev/null
exec sleep 30
`,
    );
    const t0 = Date.now();
    const r = f.run('--while', 'sh', cmd);
    expect(r.stdout).toMatch(/ending pid \d+ \(on the stopping side\)/);
    expect(r.stdout).toContain('waits for lock 2: podman pod stop --ignore opencode-memory-pod');
    // Seen at the first look (2 s) and confirmed a second later; not the 30 s of the command.
    expect(Date.now() - t0).toBeLessThan(10000);
    expect(r.status).toBe(137);
    expect(alive(start)).toBe(true);
  });

  it('--while: passes on the exit status of a command that ends by itself, with nothing to say', () => {
    const f = fake([]);
    const r = f.run('--while', 'sh', '-c', 'exit 3');
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('');
  });
});

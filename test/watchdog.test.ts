import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { files, tempDir } from './helpers';

// watchdog.sh, the resident watchdog, for a few rounds: its questions go to real sockets on
// loopback (services that answer, one that accepts and says nothing, like a hung process, and a
// closed port); podman and systemctl are scripts that print what a real podman prints (`ps
// --format '{{.Names}}|{{.Pid}}|{{.Status}}|{{.ID}}'` on 4.3.1 and 5.x) and record what they were
// asked. What podman then does is checked on real podman by the end-to-end suite.
const script = files().get('libexec/watchdog.sh')!;
const ID = 'c0ffee'.repeat(10) + 'beef';
const victims: number[] = [];
const cgroups: string[] = [];
const servers: Server[] = [];
const sockets: Socket[] = [];
const port: Record<'resp' | 'http' | 'hung' | 'closed', number> = { resp: 0, http: 0, hung: 0, closed: 0 };

function listen(onData: ((s: Socket) => void) | undefined): Promise<number> {
  const server = createServer((s) => {
    sockets.push(s);
    s.on('error', () => undefined);
    if (onData) s.once('data', () => onData(s));
  });
  servers.push(server);
  return new Promise((res) => server.listen(0, '127.0.0.1', () => res((server.address() as { port: number }).port)));
}
beforeAll(async () => {
  port.resp = await listen((s) => s.end('-NOAUTH Authentication required.\r\n'));
  port.http = await listen((s) => s.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n'));
  port.hung = await listen(undefined);
  port.closed = await listen(undefined);
  servers.pop()!.close();
});
afterAll(() => {
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
});
afterEach(() => {
  for (const pid of victims.splice(0)) spawnSync('kill', ['-9', String(pid)]);
  for (const cg of cgroups.splice(0)) {
    for (let i = 0; i < 50 && existsSync(cg); i++) {
      try {
        rmdirSync(cg);
      } catch {
        spawnSync('sleep', ['0.05']);
      }
    }
  }
});

interface Opts {
  /** What each service's port is: the watchdog asks valkey (resp), opencode (http). */
  valkey?: keyof typeof port;
  opencode?: keyof typeof port;
  /** `podman ps` output, one list per call (the last repeats). */
  ps?: string[][];
  /** Seconds the round's clock reads at each `podman ps` call (the last repeats). */
  clock?: number[];
  active?: boolean;
  /** Exit status of `podman exec ... health.sh --live`. */
  live?: number;
  health?: string;
  /** .State.Status after a kill (5.x: running again; 4.3.1: exited). */
  after?: string;
  rounds?: number;
  /** opencode's port is not published: asked at the pod's address. */
  podAddress?: boolean;
  /** `podman ps` never answers (podman deadlocked on the pod's locks). */
  psHangs?: boolean;
}

async function run(o: Opts = {}) {
  const dir = tempDir('omp-watchdog-');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const calls = join(dir, 'calls');
  const ps = o.ps ?? [[]];
  ps.forEach((rows, i) => writeFileSync(join(dir, `ps.${i}`), rows.map((l) => `${l}\n`).join('')));
  (o.clock ?? []).forEach((t, i) => writeFileSync(join(dir, `clock.${i}`), `${t}\n`));
  writeFileSync(join(dir, 'n'), '0\n');
  writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\necho "systemctl $*" >>${calls}\nexit ${o.active === false ? 3 : 0}\n`);
  const last = ps.length - 1;
  const lastClock = (o.clock?.length ?? 1) - 1;
  writeFileSync(
    join(bin, 'podman'),
    `#!/bin/sh
echo "podman $*" >>${calls}
[ "$1" = start ] && echo "start sees INVOCATION_ID=\${INVOCATION_ID:-unset}" >>${calls}
case $1 in
  ps) ${o.psHangs ? 'sleep 5; exit 0' : ':'}
      read -r n <${dir}/n; echo $((n + 1)) >${dir}/n
      i=$n; [ $i -gt ${last} ] && i=${last}
      c=$n; [ $c -gt ${lastClock} ] && c=${lastClock}
      [ -e ${dir}/clock.$c ] && cp ${dir}/clock.$c ${dir}/clock
      cat ${dir}/ps.$i ;;
  exec) exit ${o.live ?? 1} ;;
  pod) echo infra-id ;;
  inspect) case $3 in
    *Networks*) echo "127.0.0.1 " ;;
    *State.Status*) echo "${o.after ?? 'running'} 4242" ;;
    *) echo "${o.health ?? ''}" ;;
  esac ;;
esac
`,
  );
  for (const f of ['systemctl', 'podman']) chmodSync(join(bin, f), 0o755);
  const table = [
    `  'valkey 127.0.0.1 ${port[o.valkey ?? 'resp']} resp'`,
    `  'opencode ${o.podAddress ? 'pod' : '127.0.0.1'} ${port[o.opencode ?? 'http']} http /global/health'`,
  ];
  let body = script.replace(/^probes=\(\n[\s\S]*?\n\)$/m, `probes=(\n${table.join('\n')}\n)`).replace(/^period=5$/m, 'period=0.2');
  if (o.clock) body = body.replace('now=$EPOCHSECONDS', `read -r now <${dir}/clock`);
  // The deadlock breaker, as a script that records its call; podman's bound shortened for the test.
  writeFileSync(join(dir, 'unwedge.sh'), `echo "unwedge" >>${calls}\n`);
  body = body.replace('/bin/sh /etc/opencode-memory-pod/podman-unwedge.sh', `/bin/sh ${dir}/unwedge.sh`).replace('pm() { timeout 25 ', 'pm() { timeout 1 ');
  expect(body).toContain(table[0]);
  // As systemd runs it: with an INVOCATION_ID.
  const env = { PATH: `${bin}:${process.env.PATH}`, INVOCATION_ID: 'watchdog-of-the-test' };
  const child = spawn('bash', ['-c', body, 'watchdog.sh', 'podman-kube@x.service', '--rounds', String(o.rounds ?? 1)], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const status = await new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  return { status, stdout, stderr, calls: existsSync(calls) ? readFileSync(calls, 'utf8') : '' };
}

function victim(): number {
  const p = spawn('sleep', ['60'], { stdio: 'ignore' });
  victims.push(p.pid!);
  return p.pid!;
}
/** A victim in a cgroup named like a container's (libpod-<ID>), as podman places its processes; root only. */
function containerVictim(): number | undefined {
  const base = '/sys/fs/cgroup/unified';
  if (process.getuid?.() !== 0 || !existsSync(join(base, 'cgroup.procs'))) return undefined;
  const cg = join(base, `omp-test-${process.pid}-libpod-${ID}`);
  mkdirSync(cg);
  cgroups.push(cg);
  const pid = victim();
  writeFileSync(join(cg, 'cgroup.procs'), `${pid}\n`);
  return pid;
}
const alive = (pid: number) => spawnSync('kill', ['-0', String(pid)]).status === 0;
const row = (svc: string, pid: number | string, status: string, id = ID) => `opencode-memory-pod-${svc}|${pid}|${status}|${id}`;

describe('watchdog.sh', () => {
  it('starts no process while every service answers (a RESP error and an HTTP 401 are answers)', async () => {
    const r = await run({ rounds: 3 });
    expect(r.status, r.stderr).toBe(0);
    // The first answer of each brings podman's own health record up to date, once; then nothing.
    expect(r.calls.trim().split('\n').sort()).toEqual([
      'podman healthcheck run opencode-memory-pod-opencode',
      'podman healthcheck run opencode-memory-pod-valkey',
    ]);
    expect(r.stdout).toBe('');
  });

  it('asks at the pod address a service whose port is not published', async () => {
    const r = await run({ podAddress: true, rounds: 2 });
    expect(r.calls).toMatch(/^podman pod inspect --format \{\{\.InfraContainerID\}\} opencode-memory-pod$/m);
    expect(r.calls).not.toMatch(/^(podman ps|systemctl)/m);
  });

  it("kills a running container that does not answer and fails its own check, only if the pid is still that container's", async () => {
    const hung = containerVictim();
    const stranger = victim();
    for (const kind of ['hung', 'closed'] as const) {
      // The pid podman recorded is no longer in the container's cgroup (reused): never killed.
      const r = await run({ valkey: kind, ps: [[row('valkey', stranger, 'Up 2 minutes (healthy)')]] });
      expect(r.calls).toMatch(/^podman exec opencode-memory-pod-valkey \/bin\/sh \/opt\/opencode-memory-pod\/health\.sh --live valkey$/m);
      expect(r.stdout).toContain(`valkey: pid ${stranger} is no longer its container's process; not killing it`);
      expect(alive(stranger)).toBe(true);
    }
    if (hung === undefined) return; // needs root and a writable cgroup2 tree to place a process like podman does
    const r = await run({ valkey: 'hung', ps: [[row('opencode', 77, 'Up 1 minute (healthy)'), row('valkey', hung, 'Up 2 minutes ago (healthy)')]] });
    expect(r.stdout).toContain(`valkey does not answer and its own check fails (Up 2 minutes ago (healthy)); killing pid ${hung}`);
    await new Promise((res) => setTimeout(res, 100));
    expect(alive(hung)).toBe(false);
    expect(r.calls).not.toMatch(/podman (kill|start|stop|restart)/);
  });

  it('leaves alone a container whose own check passes (its launcher waits, or it is starting)', async () => {
    const pid = victim();
    const r = await run({ opencode: 'closed', live: 0, ps: [[row('opencode', pid, 'Up 3 seconds (starting)')]], rounds: 2 });
    expect(r.calls).toMatch(/health\.sh --live opencode/);
    expect(r.stdout).toBe('');
    expect(alive(pid)).toBe(true);
  });

  it('starts a killed container at once when podman left it stopped (4.3.1), not as part of its own service', async () => {
    const hung = containerVictim();
    if (hung === undefined) return;
    const r = await run({ valkey: 'hung', ps: [[row('valkey', hung, 'Up 1 minute')]], after: 'exited' });
    expect(r.stdout).toContain('valkey was left stopped after the kill; starting it');
    expect(r.calls).toMatch(/^podman start opencode-memory-pod-valkey$/m);
    expect(r.calls).toMatch(/^start sees INVOCATION_ID=unset$/m);
    expect(r.calls).not.toMatch(/INVOCATION_ID=watchdog-of-the-test/);
  });

  it('does not kill the same container again within 20 s', async () => {
    const hung = containerVictim();
    if (hung === undefined) return;
    const r = await run({ valkey: 'hung', rounds: 3, ps: [[row('valkey', hung, 'Up 1 minute')], [row('valkey', 4242, 'Up 1 second')]] });
    expect(r.stdout.match(/killing/g)).toHaveLength(1);
    expect(r.calls.match(/health\.sh --live/g)).toHaveLength(1);
  });

  it('kills a container stuck in Stopping for 40 s (its stopping podman process is gone), not before', async () => {
    const stuck = containerVictim();
    if (stuck === undefined) return;
    const stopping = [row('valkey', stuck, 'Stopping')];
    const early = await run({ valkey: 'closed', rounds: 2, ps: [stopping], clock: [1000, 1030] });
    expect(early.stdout).toBe('');
    expect(alive(stuck)).toBe(true);
    const late = await run({ valkey: 'closed', rounds: 2, ps: [stopping], clock: [1000, 1041] });
    expect(late.stdout).toContain(`valkey is stuck stopping (Stopping, for 41 s); killing pid ${stuck}`);
    await new Promise((res) => setTimeout(res, 100));
    expect(alive(stuck)).toBe(false);
  });

  it('starts at once a container podman stopped as unhealthy (4.3.1), any other after two rounds', async () => {
    const exited = [row('valkey', 0, 'Exited (137) 3 seconds ago')];
    const unhealthy = await run({ valkey: 'closed', ps: [exited], health: 'unhealthy' });
    expect(unhealthy.calls).toMatch(/^podman start opencode-memory-pod-valkey$/m);
    const once = await run({ valkey: 'closed', ps: [exited], health: 'healthy' });
    expect(once.calls).not.toMatch(/podman start/);
    const twice = await run({ valkey: 'closed', ps: [exited], health: 'healthy', rounds: 2 });
    expect(twice.stdout).toContain('valkey is stopped (Exited (137) 3 seconds ago, health: healthy); starting it');
    expect(twice.calls.match(/^podman start/gm)).toHaveLength(1);
    // Running in between: the count starts over.
    const between = await run({ valkey: 'closed', ps: [exited, [row('valkey', 42, 'Up 1 second')], exited], live: 0, health: 'healthy', rounds: 3 });
    expect(between.calls).not.toMatch(/podman start/);
  });

  it('does nothing while the pod unit is not active (starting, stopping, stopped)', async () => {
    const r = await run({ valkey: 'hung', opencode: 'closed', active: false, rounds: 2 });
    expect(r.stdout).toBe('');
    expect(r.calls).not.toMatch(/^podman/m);
  });

  it('runs the deadlock breaker when podman does not answer its podman ps within the bound, and acts on nothing', async () => {
    const r = await run({ valkey: 'closed', psHangs: true, live: 1 });
    expect(r.calls).toMatch(/^unwedge$/m);
    expect(r.calls).not.toMatch(/health\.sh|podman start/);
    const fine = await run({ valkey: 'closed', ps: [[row('valkey', 0, 'Exited (0) 1 second ago')]] });
    expect(fine.calls).not.toMatch(/^unwedge$/m);
  });

  it('leaves containers of other pods and the infra container alone', async () => {
    const other = victim();
    const r = await run({ valkey: 'closed', ps: [[`other-pod-valkey|${other}|Up 1 minute|${ID}`, `abc-infra|${other}|Up 1 minute|${ID}`]] });
    expect(r.stdout).toBe('');
    expect(r.calls).not.toMatch(/health\.sh/);
    expect(alive(other)).toBe(true);
  });
});

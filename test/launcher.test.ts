import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OPENCODE_USER_CAPABILITIES } from '../src/services/opencode';
import { REPO, shells, tempDir } from './helpers';

const running: ChildProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) if (p.exitCode === null && p.signalCode === null && p.pid) process.kill(p.pid, 'SIGKILL');
});

interface Pod {
  dir: string;
  state: string;
  envFile: string;
  env: NodeJS.ProcessEnv;
}

/** A fake pod: scripts dir with launch.sh/envfile.sh and a health.sh of the test's choosing. */
function pod(health = 'exit 1', envText = ''): Pod {
  const dir = tempDir('omp-launch-');
  const scripts = join(dir, 'scripts');
  mkdirSync(scripts);
  copyFileSync(join(REPO, 'runtime', 'launch.sh'), join(scripts, 'launch.sh'));
  copyFileSync(join(REPO, 'runtime', 'envfile.sh'), join(scripts, 'envfile.sh'));
  writeFileSync(join(scripts, 'health.sh'), health);
  const envFile = join(dir, 'opencode.env');
  writeFileSync(envFile, envText, { mode: 0o600 });
  const state = join(dir, 'state');
  return { dir, state, envFile, env: { PATH: process.env.PATH, OMP_DIR: scripts, OMP_STATE_DIR: state, OMP_ENV_FILE: envFile } };
}

function launch(sh: string[], p: Pod, args: string[]): ChildProcess & { out: () => string; err: () => string; done: Promise<number> } {
  const child = spawn(sh[0], [...sh.slice(1), join(p.env.OMP_DIR!, 'launch.sh'), ...args], { env: p.env, cwd: p.dir });
  running.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  // 'close', not 'exit': the output streams are read to the end by then.
  const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return Object.assign(child, { out: () => out, err: () => err, done });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stands in for a running dependency: a process holding NAME's lock, as its service would. */
async function holdLock(p: Pod, name: string): Promise<ChildProcess> {
  mkdirSync(join(p.state, name), { recursive: true });
  const holder = spawn('flock', ['-x', join(p.state, name, 'lock'), 'sh', '-c', 'echo locked; exec sleep 60']);
  running.push(holder);
  await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
  return holder;
}
/** What a marker of a container in this (the test's) network namespace says. */
const HERE = `netns ${readlinkSync('/proc/self/ns/net')}\n`;
const lockHeld = (p: Pod, name: string) => spawnSync('flock', ['-n', join(p.state, name, 'lock'), 'true']).status !== 0;
/** A file in NAME's state directory (its own volume in the pod). */
const stateFile = (p: Pod, name: string, file: string) => join(p.state, name, file);
/** Writes one of NAME's state files, as its container would. */
function post(p: Pod, name: string, file: string, text: string): void {
  mkdirSync(join(p.state, name), { recursive: true });
  writeFileSync(stateFile(p, name, file), text);
}
async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(20);
  }
}

for (const sh of shells()) {
  describe(`launch.sh under ${sh.join(' ')}`, () => {
    it('starts the service only after its dependency posts its healthy marker, and execs it', async () => {
      const p = pod();
      await holdLock(p, 'a');
      const l = launch(sh, p, ['--name', 'b', '--after', 'a', '--timeout', '10', '--', 'sh', '-c', 'echo "serving as pid $$"; exec sleep 30']);
      await until(() => l.err().includes('waiting for a to become healthy'));
      await sleep(400);
      expect(l.out()).toBe('');
      post(p, 'a', 'healthy', HERE);
      await until(() => l.out().includes('serving'));
      // exec: the service has the launcher's PID, nothing of ours stays in between.
      expect(l.out().trim()).toBe(`serving as pid ${l.pid}`);
      expect(l.err()).toMatch(/a is healthy \(waited \d+\.\d\ds\)/);
    });

    it('does not trust a marker whose container has stopped (podman pod restart keeps the state volume)', async () => {
      const p = pod();
      post(p, 'a', 'healthy', HERE);
      post(p, 'a', 'lock', '');
      const l = launch(sh, p, ['--name', 'b', '--after', 'a', '--timeout', '10', '--', 'sh', '-c', 'echo STARTED; exec sleep 30']);
      await until(() => l.err().includes('waiting for a to become healthy'));
      await sleep(500);
      expect(l.out()).toBe('');
      // a's container runs again (holds its lock) with its marker: now b starts.
      await holdLock(p, 'a');
      await until(() => l.out().includes('STARTED'));
    });

    it('does not trust a marker posted in another network namespace (the pod before a podman pod restart)', async () => {
      const p = pod();
      post(p, 'a', 'healthy', 'netns net:[4026531840]\n');
      await holdLock(p, 'a');
      const l = launch(sh, p, ['--name', 'b', '--after', 'a', '--timeout', '10', '--', 'sh', '-c', 'echo STARTED; exec sleep 30']);
      await until(() => l.err().includes('waiting for a to become healthy'));
      await sleep(500);
      expect(l.out()).toBe('');
      post(p, 'a', 'healthy', HERE);
      await until(() => l.out().includes('STARTED'));
    });

    it("takes its lock although a dependent's probe holds the new file at that moment (seen on 5.4.2)", async () => {
      const p = pod();
      // The first exclusive try fails, as when a dependent's shared probe meets it; then the real flock.
      const bin = join(p.dir, 'bin');
      mkdirSync(bin);
      const real = spawnSync('sh', ['-c', 'command -v flock'], { encoding: 'utf8' }).stdout.trim();
      writeFileSync(
        join(bin, 'flock'),
        `#!/bin/sh\nif [ "$*" = "-n -x 9" ] && [ ! -e "${p.dir}/probed" ]; then : >"${p.dir}/probed"; exit 1; fi\nexec ${real} "$@"\n`,
      );
      chmodSync(join(bin, 'flock'), 0o755);
      const l = launch(sh, { ...p, env: { ...p.env, PATH: `${bin}:${p.env.PATH}` } }, ['--name', 'a', '--', 'sh', '-c', 'echo STARTED; exec sleep 30']);
      await until(() => l.out().includes('STARTED'));
      expect(existsSync(join(p.dir, 'probed'))).toBe(true);
      expect(lockHeld(p, 'a')).toBe(true);
      expect(l.err()).not.toMatch(/held by another process/);
    });

    it("does not take another dependent's probe for a running dependency (probes are shared)", async () => {
      const p = pod();
      post(p, 'a', 'healthy', HERE);
      post(p, 'a', 'lock', '');
      // a is not running; another dependent's probe of a's lock lasts as long as this one.
      const probe = spawn('flock', ['-s', stateFile(p, 'a', 'lock'), 'sh', '-c', 'echo probing; exec sleep 60']);
      running.push(probe);
      await new Promise<void>((resolve) => probe.stdout!.once('data', () => resolve()));
      const l = launch(sh, p, ['--name', 'b', '--after', 'a', '--timeout', '10', '--', 'sh', '-c', 'echo STARTED; exec sleep 30']);
      await until(() => l.err().includes('waiting for a to become healthy'));
      await sleep(500);
      expect(l.out()).toBe('');
      // a starts: a new lock file, held (the probe still holds the old one).
      rmSync(stateFile(p, 'a', 'lock'));
      await holdLock(p, 'a');
      await until(() => l.out().includes('STARTED'));
    });

    it("the service it execs keeps the container's lock, released when it ends", async () => {
      const p = pod();
      const l = launch(sh, p, ['--name', 'a', '--', 'sh', '-c', 'echo STARTED; exec sleep 30']);
      await until(() => l.out().includes('STARTED'));
      expect(lockHeld(p, 'a')).toBe(true);
      l.kill('SIGKILL');
      await l.done;
      await until(() => !lockHeld(p, 'a'));
    });

    it('reads a dependency through a read-only view of its state directory, as in the pod', async () => {
      const p = pod();
      const aDir = join(p.state, 'a');
      mkdirSync(aDir, { recursive: true });
      await holdLock(p, 'a');
      // b's own mount namespace, where a's folder is read-only: what podman-pod.ts mounts in b.
      const readOnlyA = [
        'unshare',
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"',
        'sh',
        aDir,
        ...sh,
      ];
      const l = launch(readOnlyA, p, [
        '--name',
        'b',
        '--after',
        'a',
        '--timeout',
        '10',
        '--',
        'sh',
        '-c',
        `(: >"${aDir}/failed") 2>/dev/null || echo "cannot write a's files"; echo STARTED; exec sleep 30`,
      ]);
      await until(() => l.err().includes('waiting for a to become healthy'));
      post(p, 'a', 'healthy', HERE);
      await until(() => l.out().includes('STARTED'));
      expect(l.out()).toContain("cannot write a's files");
      expect(existsSync(stateFile(p, 'a', 'failed'))).toBe(false);
    });

    it('starts again although another process holds its lock file of before; its state is root-only', async () => {
      const p = pod('exit 0');
      // What a dependent's process (root, read-only view) can do: hold a's lock file, then wait.
      const holder = await holdLock(p, 'a');
      const t0 = Date.now();
      const a = launch(sh, p, ['--name', 'a', '--timeout', '10', '--post-health', '--', 'sh', '-c', 'echo STARTED; exec sleep 30']);
      await until(() => a.out().includes('STARTED') && existsSync(stateFile(p, 'a', 'healthy')));
      // It did not wait for the old file (the launcher once waited 30 s for it, then gave up).
      expect(Date.now() - t0).toBeLessThan(3000);
      expect((statSync(join(p.state, 'a')).mode & 0o777).toString(8)).toBe('700');
      expect(lockHeld(p, 'a')).toBe(true);
      const b = launch(sh, p, ['--name', 'b', '--after', 'a', '--timeout', '10', '--', 'sh', '-c', 'echo STARTED; exec sleep 30']);
      await until(() => b.out().includes('STARTED'));
      // The lock dependents see is the service's own: free when it ends, whatever the holder does.
      a.kill('SIGKILL');
      await a.done;
      await until(() => !lockHeld(p, 'a'));
      expect(holder.exitCode).toBeNull();
    });

    it('gives up after the timeout, says what it waited for, and exits 1', async () => {
      const p = pod();
      const t0 = Date.now();
      const l = launch(sh, p, ['--name', 'b', '--after', 'a', '--timeout', '1', '--', 'sh', '-c', 'echo STARTED']);
      expect(await l.done).toBe(1);
      expect(Date.now() - t0).toBeLessThan(4000);
      expect(l.out()).not.toContain('STARTED');
      expect(l.err()).toMatch(/a is not healthy after 1s; not starting b/);
    });

    it('fails at once when the dependency reported failure', async () => {
      const p = pod();
      post(p, 'a', 'failed', `${HERE}own health check still failing after 5s\n`);
      await holdLock(p, 'a');
      const l = launch(sh, p, ['--name', 'b', '--after', 'a', '--timeout', '30', '--', 'true']);
      expect(await l.done).toBe(1);
      expect(l.err()).toMatch(/a failed to become healthy \(own health check still failing after 5s\)/);
    });

    it('posts its own marker once its health check passes, after removing a stale one', async () => {
      const p = pod('[ -e "$OMP_STATE_DIR/../ready" ]');
      post(p, 'a', 'healthy', 'stale');
      const l = launch(sh, p, ['--name', 'a', '--timeout', '10', '--post-health', '--', 'sleep', '30']);
      await until(() => l.err().includes('starting: sleep 30'));
      expect(existsSync(stateFile(p, 'a', 'healthy'))).toBe(false);
      await sleep(300);
      expect(existsSync(stateFile(p, 'a', 'healthy'))).toBe(false);
      writeFileSync(join(p.dir, 'ready'), '');
      await until(() => existsSync(stateFile(p, 'a', 'healthy')));
      expect(readFileSync(stateFile(p, 'a', 'healthy'), 'utf8')).toBe(HERE);
      // The poller logs right after it posts the marker.
      await until(() => l.err().includes('dependents may start'));
      expect(l.err()).toMatch(/healthy \d+\.\d\ds after start; dependents may start/);
    });

    it('posts a failure marker when its own check never passes', async () => {
      const p = pod('exit 1');
      launch(sh, p, ['--name', 'a', '--timeout', '1', '--post-health', '--', 'sleep', '30']);
      await until(() => existsSync(stateFile(p, 'a', 'failed')), 4000);
      expect(readFileSync(stateFile(p, 'a', 'failed'), 'utf8')).toMatch(/^netns net:\[\d+\]\nown health check still failing after 1s\n$/);
    });

    it('exports all keys or only the listed ones, as data', async () => {
      const p = pod('exit 1', 'A=1\nB="$(touch pwned)"\nC=3\n');
      const all = launch(sh, p, ['--name', 'x', '--env-all', '--', 'sh', '-c', 'echo "$A|$B|$C"']);
      await all.done;
      expect(all.out().trim()).toBe('1|$(touch pwned)|3');
      const some = launch(sh, p, ['--name', 'x', '--env', 'C', '--', 'sh', '-c', 'echo "${A-unset}|${B-unset}|$C"']);
      await some.done;
      expect(some.out().trim()).toBe('unset|unset|3');
      expect(existsSync(join(p.dir, 'pwned'))).toBe(false);
    });

    it('refuses to start without a readable env file', async () => {
      const p = pod();
      p.env.OMP_ENV_FILE = join(p.dir, 'missing.env');
      const l = launch(sh, p, ['--name', 'x', '--', 'echo', 'STARTED']);
      expect(await l.done).toBe(1);
      expect(l.out()).toBe('');
      expect(l.err()).toMatch(/cannot read env file .*missing\.env.*\n.*not starting x/);
    });

    it('feeds requirepass on stdin, escaped, and never in argv', async () => {
      const password = "p\"w\\d $(touch pwned) `x` 'q'";
      const p = pod('exit 1', `VALKEY_PASSWORD='${password}'\n`);
      const l = launch(sh, p, [
        '--name',
        'v',
        '--requirepass-from',
        'VALKEY_PASSWORD',
        '--',
        'sh',
        '-c',
        'printf "%s\\n" "$@" > argv; cat > stdin',
        'server',
        '-',
        '--port',
        '1',
      ]);
      expect(await l.done).toBe(0);
      expect(readFileSync(join(p.dir, 'stdin'), 'utf8')).toBe(`requirepass "p\\"w\\\\d $(touch pwned) \`x\` 'q'"\n`);
      expect(readFileSync(join(p.dir, 'argv'), 'utf8')).toBe('-\n--port\n1\n');
      expect(l.err()).not.toContain('touch pwned');
      expect(existsSync(join(p.dir, 'pwned'))).toBe(false);
      // Without the key the server gets an empty config on stdin.
      const p2 = pod('exit 1', 'OTHER=1\n');
      const l2 = launch(sh, p2, ['--name', 'v', '--requirepass-from', 'VALKEY_PASSWORD', '--', 'sh', '-c', 'cat > stdin']);
      expect(await l2.done).toBe(0);
      expect(readFileSync(join(p2.dir, 'stdin'), 'utf8')).toBe('');
    });

    it('--require-password: refuses to start a store without its password, starts it with one', async () => {
      const p = pod('exit 1', 'OTHER=1\nVALKEY_PASSWORD=\n');
      const l = launch(sh, p, ['--name', 'v', '--requirepass-from', 'VALKEY_PASSWORD', '--require-password', '--', 'echo', 'STARTED']);
      expect(await l.done).toBe(1);
      expect(l.out()).toBe('');
      expect(l.err()).toMatch(/not starting v: the env file sets no VALKEY_PASSWORD \(requirePassword/);
      const p2 = pod('exit 1', 'VALKEY_PASSWORD=s3cret\n');
      const l2 = launch(sh, p2, ['--name', 'v', '--requirepass-from', 'VALKEY_PASSWORD', '--require-password', '--', 'sh', '-c', 'cat > stdin; echo STARTED']);
      expect(await l2.done).toBe(0);
      expect(l2.out()).toBe('STARTED\n');
      expect(readFileSync(join(p2.dir, 'stdin'), 'utf8')).toBe('requirepass "s3cret"\n');
    });

    it('--user: hands its folders to the user (never one of another user), names it, and execs as it with no privileges', async () => {
      const p = pod('exit 0');
      const etc = join(p.dir, 'etc');
      mkdirSync(etc);
      writeFileSync(join(etc, 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
      writeFileSync(join(etc, 'group'), 'root:x:0:\n');
      chmodSync(p.dir, 0o755); // as / is above the container's home: the user can pass through
      const home = join(p.dir, 'home');
      mkdirSync(home, { mode: 0o755 }); // as podman makes a DirectoryOrCreate folder: root's
      mkdirSync(join(p.dir, 'theirs'));
      chownSync(join(p.dir, 'theirs'), 4321, 4321);
      // The case podman makes for a nested mount: the user's home (0700) holds a folder of root's.
      mkdirSync(join(home, '.config'));
      chownSync(home, 1234, 2345);
      chmodSync(home, 0o700);
      const env = { ...p.env, OMP_ETC_DIR: etc, HOME: home };
      const args = ['--name', 'svc', '--timeout', '10', '--user', '1234:2345', '--own', home, '--own', join(home, '.config'), '--own', join(home, '.cache')];
      // Root with only the container's capabilities (the bounding set is all root gets at exec).
      const capped = ['setpriv', `--bounding-set=-all,${OPENCODE_USER_CAPABILITIES.map((c) => `+${c.toLowerCase()}`).join(',')}`, '--', ...sh];
      const service = [
        '--',
        'sh',
        '-c',
        'echo "ids $(id -u):$(id -g) groups $(id -G)"; grep -E "^(CapEff|NoNewPrivs)" /proc/self/status; echo "fd 9 $(readlink /proc/self/fd/9)"; cat "$OMP_STATE_DIR/svc/lock" 2>/dev/null && echo "lock readable" || echo "state private"',
      ];
      const l = launch(capped, { ...p, env }, [...args, ...service]);
      expect(await l.done, l.err()).toBe(0);
      expect(l.out()).toContain('ids 1234:2345 groups 2345');
      expect(l.out()).toMatch(/CapEff:\s+0+\n/);
      expect(l.out()).toMatch(/NoNewPrivs:\s+1/);
      // The container's lock went along through setpriv; its state directory is root's alone.
      expect(l.out()).toContain(`fd 9 ${join(p.state, 'svc', 'lock')}\n`);
      expect(l.out()).toContain('state private');
      for (const d of [home, join(home, '.cache')])
        expect(`${statSync(d).uid}:${statSync(d).gid} ${(statSync(d).mode & 0o777).toString(8)}`).toBe('1234:2345 700');
      expect(readFileSync(join(etc, 'passwd'), 'utf8')).toContain(`svc:x:1234:2345:svc:${home}:/bin/sh\n`);
      expect(readFileSync(join(etc, 'group'), 'utf8')).toContain('svc:x:2345:\n');
      // Again: it starts as before, with no second passwd line.
      const again = launch(capped, { ...p, env }, [...args, ...service]);
      expect(await again.done, again.err()).toBe(0);
      expect(again.out()).toContain('ids 1234:2345');
      expect(readFileSync(join(etc, 'passwd'), 'utf8').match(/:1234:/g)).toHaveLength(1);
      // A folder of another user stops the start, with the fix; so does a link where a folder goes
      // (to a folder, a file, nowhere), and what it points at is left as it was.
      const theirs = launch(capped, { ...p, env }, [...args, '--own', join(p.dir, 'theirs'), ...service]);
      expect(await theirs.done).toBe(1);
      expect(theirs.err()).toMatch(/theirs belongs to 4321:4321, not 1234:2345: on the host, chown -R 1234:2345 .*not starting svc/);
      expect(theirs.out()).toBe('');
      const target = join(p.dir, 'target');
      mkdirSync(target, { mode: 0o755 });
      writeFileSync(join(p.dir, 'file'), '');
      for (const to of [target, join(p.dir, 'file'), join(p.dir, 'nowhere')]) {
        rmSync(join(home, '.link'), { force: true });
        symlinkSync(to, join(home, '.link'));
        const linked = launch(capped, { ...p, env }, [...args, '--own', join(home, '.link'), ...service]);
        expect(await linked.done).toBe(1);
        expect(linked.err()).toMatch(/\.link is not a directory; not starting svc/);
      }
      expect(`${statSync(target).uid} ${(statSync(target).mode & 0o777).toString(8)}`).toBe('0 755');
      const bad = launch(sh, { ...p, env }, ['--name', 'svc', '--user', 'alice', '--', 'true']);
      expect(await bad.done).toBe(1);
      expect(bad.err()).toContain('--user must be UID:GID, got: alice');
    });

    it('--private: makes a folder of root 0700 before the entrypoint runs, leaves one of another owner, refuses a link', async () => {
      const p = pod('exit 0');
      const made = join(p.dir, 'made');
      mkdirSync(made, { mode: 0o755 }); // as podman makes a DirectoryOrCreate folder
      const valkeys = join(p.dir, 'valkeys');
      mkdirSync(valkeys, { mode: 0o750 });
      chownSync(valkeys, 999, 0); // as Valkey's entrypoint leaves it: chown valkey, the mode unchanged
      const mode = (d: string) => `${statSync(d).uid} ${(statSync(d).mode & 0o7777).toString(8)}`;
      // The entrypoint sees the folder private already (it prints the mode it finds).
      const l = launch(sh, p, ['--name', 'valkey', '--private', made, '--private', valkeys, '--', 'stat', '-c', '%a', made]);
      expect(await l.done, l.err()).toBe(0);
      expect(l.out().trim()).toBe('700');
      expect(mode(made)).toBe('0 700');
      expect(mode(valkeys)).toBe('999 750'); // not root's: doctor's business, and install's
      symlinkSync(made, join(p.dir, 'link'));
      const linked = launch(sh, p, ['--name', 'valkey', '--private', join(p.dir, 'link'), '--', 'true']);
      expect(await linked.done).toBe(1);
      expect(linked.err()).toMatch(/link is not a directory; not starting valkey/);
    });

    it("--umask: the service starts with it; the launcher's own files (markers) keep the one it was given", async () => {
      const p = pod('exit 0');
      const l = launch(sh, p, ['--name', 'svc', '--post-health', '--umask', '077', '--', 'sh', '-c', 'umask; sleep 1']);
      expect(await l.done, l.err()).toBe(0);
      expect(l.out().trim()).toBe('0077');
      expect((statSync(join(p.state, 'svc', 'healthy')).mode & 0o777).toString(8)).toBe('644');
      const bad = launch(sh, p, ['--name', 'svc', '--umask', 'u=rwx', '--', 'true']);
      expect(await bad.done).toBe(1);
      expect(bad.err()).toContain('--umask must be 3 or 4 octal digits, got: u=rwx');
    });
  });
}

describe('launch.sh with a real Redis-protocol server', () => {
  it('the server requires the env file password, which is in no process argv', async () => {
    const password = 'sp ace"quote\\slash $(x)';
    const p = pod('exit 1', `FALKORDB_PASSWORD="${password}"\n`);
    const bin = join(p.dir, 'bin');
    mkdirSync(bin);
    // Debian's redis-tools ships the server as redis-check-rdb; named redis-server it serves.
    symlinkSync(spawnSync('sh', ['-c', 'command -v redis-check-rdb']).stdout.toString().trim(), join(bin, 'redis-server'));
    const port = String(20000 + Math.floor(Math.random() * 20000));
    p.env.PATH = `${bin}:${process.env.PATH}`;
    const l = launch(['dash'], p, [
      '--name',
      'falkordb',
      '--requirepass-from',
      'FALKORDB_PASSWORD',
      '--',
      'redis-server',
      '-',
      '--port',
      port,
      '--bind',
      '127.0.0.1',
      '--save',
      '',
    ]);
    const ping = (auth?: string) =>
      spawnSync('redis-cli', ['-p', port, 'ping'], { env: { PATH: process.env.PATH, ...(auth ? { REDISCLI_AUTH: auth } : {}) } })
        .stdout.toString()
        .trim();
    await until(() => ping(password) === 'PONG', 5000);
    expect(ping()).toMatch(/NOAUTH/);
    expect(ping('wrong')).not.toBe('PONG');
    expect(readFileSync(`/proc/${l.pid}/cmdline`, 'utf8')).not.toContain('quote');
  });

  it('with --umask 077 the snapshot the server writes is 0600; with the umask podman gives (022) it is 0644', async () => {
    const p = pod('exit 1');
    const bin = join(p.dir, 'bin');
    mkdirSync(bin);
    symlinkSync(spawnSync('sh', ['-c', 'command -v redis-check-rdb']).stdout.toString().trim(), join(bin, 'redis-server'));
    p.env.PATH = `${bin}:${process.env.PATH}`;
    const modes: string[] = [];
    for (const umask of [['--umask', '077'], []]) {
      const data = join(p.dir, `data${umask.length}`);
      mkdirSync(data);
      const port = String(20000 + Math.floor(Math.random() * 20000));
      // FalkorDB's run.sh sets no umask: the server gets the launcher's (podman's 0022).
      const l = launch(['sh', '-c', 'umask 022; exec "$0" "$@"', 'dash'], p, [
        '--name',
        'falkordb',
        ...umask,
        '--',
        'redis-server',
        '--port',
        port,
        '--bind',
        '127.0.0.1',
        '--dir',
        data,
      ]);
      const cli = (...args: string[]) =>
        spawnSync('redis-cli', ['-p', port, ...args])
          .stdout.toString()
          .trim();
      await until(() => cli('ping') === 'PONG', 5000);
      expect(cli('set', 'k', 'v')).toBe('OK');
      expect(cli('save')).toBe('OK');
      modes.push((statSync(join(data, 'dump.rdb')).mode & 0o777).toString(8));
      l.kill('SIGKILL');
      await l.done;
    }
    expect(modes).toEqual(['600', '644']);
  });
});

describe('launch.sh as PID 1 of a stopping container', () => {
  it('exits promptly on SIGTERM while it waits', async () => {
    const p = pod();
    const l = launch(['dash'], p, ['--name', 'b', '--after', 'a', '--timeout', '60', '--', 'true']);
    await until(() => l.err().includes('waiting for a'));
    const t0 = Date.now();
    l.kill('SIGTERM');
    expect(await l.done).toBe(143);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

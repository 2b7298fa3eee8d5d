import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo, createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runtimeScripts } from '../src/render/runtime-scripts';
import { model, tempDir } from './helpers';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** Writes the pod's runtime scripts for a model to a folder, and a bin dir with busybox nc like the OpenCode image. */
function scripts(port: number, envText: string) {
  const dir = tempDir('omp-health-');
  const m = model({ services: { opencode: { port } } });
  for (const [name, text] of Object.entries(runtimeScripts(m))) writeFileSync(join(dir, name), text);
  const envFile = join(dir, 'opencode.env');
  writeFileSync(envFile, envText);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(spawnSync('sh', ['-c', 'command -v busybox']).stdout.toString().trim(), join(bin, 'nc'));
  return { dir, env: { PATH: `${bin}:${process.env.PATH}`, OMP_DIR: dir, OMP_ENV_FILE: envFile } };
}

function runHealth(s: { dir: string; env: NodeJS.ProcessEnv }, ...args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('busybox', ['sh', join(s.dir, 'health.sh'), ...args], { env: s.env });
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

/** An OpenCode-like server: /global/health behind Basic auth when a password is given. */
async function openCodeLike(password?: string, body = '{"healthy":true,"version":"1.0.0"}'): Promise<number> {
  const server = createServer((req, res) => {
    const expected = password ? `Basic ${Buffer.from(`opencode:${password}`).toString('base64')}` : undefined;
    if (expected && req.headers.authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic' }).end('{"error":"unauthorized"}');
      return;
    }
    if (req.url === '/global/health') res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
    else res.writeHead(404).end();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

describe('OpenCode health check (busybox nc, as in the image)', () => {
  const password = 'pw with spaces $(touch x) "and" \'quotes\'';

  it('passes with the password from the env file', async () => {
    const port = await openCodeLike(password);
    expect(await runHealth(scripts(port, `OPENCODE_SERVER_PASSWORD='${password}'\n`), 'opencode')).toBe(0);
  });

  it('fails with a wrong password, with none, or when nothing listens', async () => {
    const port = await openCodeLike(password);
    expect(await runHealth(scripts(port, 'OPENCODE_SERVER_PASSWORD=wrong\n'), 'opencode')).toBe(1);
    expect(await runHealth(scripts(port, ''), 'opencode')).toBe(1);
    const closed = await openCodeLike();
    servers.pop()!.close();
    expect(await runHealth(scripts(closed, ''), 'opencode')).toBe(1);
  });

  it('fails when the server says it is not healthy', async () => {
    const port = await openCodeLike(undefined, '{"healthy":false}');
    expect(await runHealth(scripts(port, ''), 'opencode')).toBe(1);
  });

  it('passes without a password against a server that needs none', async () => {
    const port = await openCodeLike();
    expect(await runHealth(scripts(port, ''), 'opencode')).toBe(0);
  });

  it('rejects an unknown service name', async () => {
    expect(await runHealth(scripts(4096, ''), 'nosuch')).toBe(2);
  });
});

describe('health.sh --live (the liveness probe) and the bound on every check', () => {
  const withState = (port: number, envText: string) => {
    const s = scripts(port, envText);
    const state = join(s.dir, 'state');
    // The service's own state directory: health.sh runs in its own container and reads only that.
    mkdirSync(join(state, 'opencode'), { recursive: true });
    return { ...s, state, env: { ...s.env, OMP_STATE_DIR: state } };
  };

  it('is alive while starting (no marker yet), even though the service does not answer', async () => {
    const s = withState(1, '');
    expect(await runHealth(s, 'opencode')).toBe(1);
    expect(await runHealth(s, '--live', 'opencode')).toBe(0);
  });

  it('is not alive once the launcher reported that the service never became healthy', async () => {
    const port = await openCodeLike();
    const s = withState(port, '');
    writeFileSync(join(s.state, 'opencode', 'failed'), 'own health check still failing after 120s');
    expect(await runHealth(s, '--live', 'opencode')).toBe(1);
  });

  it('after the service was healthy, runs the real check: passes while it answers, fails when it stops', async () => {
    const port = await openCodeLike();
    const s = withState(port, '');
    writeFileSync(join(s.state, 'opencode', 'healthy'), '');
    expect(await runHealth(s, '--live', 'opencode')).toBe(0);
    servers.pop()!.close();
    expect(await runHealth(s, '--live', 'opencode')).toBe(1);
  });

  it('ends a check whose server accepts but never answers (a hung process) within its bound', async () => {
    // A listening socket that never replies: what a SIGSTOPped server looks like to a client.
    const hung = createNetServer(() => {});
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    try {
      const s = withState((hung.address() as AddressInfo).port, '');
      writeFileSync(join(s.state, 'opencode', 'healthy'), '');
      const t0 = Date.now();
      expect(await runHealth(s, '--live', 'opencode')).not.toBe(0);
      // opencode's probe timeout is 5 s: the check is killed after 4 s (nc -w 3 alone would not end it).
      expect(Date.now() - t0).toBeLessThan(6000);
    } finally {
      hung.close();
    }
  });
});

describe('Valkey health check against a real server', () => {
  it('uses VALKEY_PASSWORD from the env file and fails without it', async () => {
    const dir = tempDir('omp-redis-');
    const port = 20000 + Math.floor(Math.random() * 20000);
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(spawnSync('sh', ['-c', 'command -v redis-check-rdb']).stdout.toString().trim(), join(bin, 'redis-server'));
    symlinkSync(spawnSync('sh', ['-c', 'command -v redis-cli']).stdout.toString().trim(), join(bin, 'valkey-cli'));
    const server = spawn(join(bin, 'redis-server'), ['-', '--port', String(port), '--bind', '127.0.0.1', '--save', ''], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    server.stdin!.end('requirepass "s3cret pw"\n');
    try {
      const m = model({ services: { valkey: { port } } });
      for (const [name, text] of Object.entries(runtimeScripts(m))) writeFileSync(join(dir, name), text);
      const env = (text: string) => {
        writeFileSync(join(dir, 'opencode.env'), text);
        return { dir, env: { PATH: `${bin}:${process.env.PATH}`, OMP_DIR: dir, OMP_ENV_FILE: join(dir, 'opencode.env') } };
      };
      let ok = 1;
      for (let i = 0; i < 50 && ok !== 0; i++) {
        ok = await runHealth(env('VALKEY_PASSWORD="s3cret pw"\n'), 'valkey');
        if (ok) await new Promise((r) => setTimeout(r, 50));
      }
      expect(ok).toBe(0);
      expect(await runHealth(env(''), 'valkey')).toBe(1);
      expect(await runHealth(env('VALKEY_PASSWORD=nope\n'), 'valkey')).toBe(1);
    } finally {
      server.kill('SIGKILL');
    }
  });
});

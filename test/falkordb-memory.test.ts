import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { model, tempDir } from './helpers';

/** FalkorDB's REDIS_ARGS for a configuration, as synth writes them. */
const redisArgs = (falkordb: Record<string, unknown> = {}) =>
  model({ services: { falkordb } }).stages.find((s) => s.spec.name === 'falkordb')!.spec.env.REDIS_ARGS;

describe('FalkorDB maxmemory on a real Redis-protocol server', () => {
  it("REDIS_ARGS word-split as the image's run.sh does: the bound and noeviction hold; at the bound writes answer OOM, reads go on", async () => {
    const dir = tempDir();
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    // Debian's redis-tools ships the server as redis-check-rdb; named redis-server it serves (the e2e stand-in's server).
    symlinkSync(spawnSync('sh', ['-c', 'command -v redis-check-rdb']).stdout.toString().trim(), join(bin, 'redis-server'));
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const cli = (...args: string[]) =>
      spawnSync('redis-cli', ['-p', port, ...args])
        .stdout.toString()
        .trim();
    const start = (args: string) =>
      // run.sh: exec redis-server ${REDIS_ARGS} --protected-mode no --dir ...; the "-" reads the launcher's stdin (empty here).
      spawn('sh', ['-c', 'exec redis-server ${REDIS_ARGS} --port "$1" --bind 127.0.0.1 --dir "$2"', 'sh', port, dir], {
        env: { PATH: `${bin}:${process.env.PATH}`, REDIS_ARGS: args },
        stdio: ['ignore', 'ignore', 'ignore'],
      });
    const until = async (check: () => boolean) => {
      const end = Date.now() + 5000;
      while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    };

    const server = start(redisArgs());
    try {
      await until(() => cli('ping') === 'PONG');
      expect(cli('config', 'get', 'maxmemory')).toBe(`maxmemory\n${1024 ** 3}`);
      expect(cli('config', 'get', 'maxmemory-policy')).toBe('maxmemory-policy\nnoeviction');
      expect(cli('config', 'get', 'save')).toBe('save\n60 100');
    } finally {
      server.kill('SIGKILL');
    }

    // A small bound, to reach it: writes are refused with an OOM error, nothing is evicted.
    const small = start(redisArgs({ maxmemory: '2mb' }));
    try {
      await until(() => cli('ping') === 'PONG');
      const value = 'x'.repeat(64 * 1024);
      let written = 0;
      let reply = '';
      for (; written < 200; written++) {
        reply = cli('set', `k${written}`, value);
        if (reply !== 'OK') break;
      }
      expect(reply).toMatch(/^OOM command not allowed when used memory > 'maxmemory'/);
      expect(written).toBeGreaterThan(0);
      expect(Number(cli('dbsize'))).toBe(written); // none evicted
      expect(cli('strlen', 'k0')).toBe(String(value.length)); // reads go on
    } finally {
      small.kill('SIGKILL');
    }
  });
});

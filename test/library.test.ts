import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Chart } from 'cdk8s';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError, DeclaredService, DeclaredServiceProps, MemoryStack } from '../lib';
import { configure, synthesize } from '../src/app/synth';
import { writeDist } from '../src/app/write-dist';
import { CONFIG_TYPES, configTypes } from '../tools/library-types';
import { tempDir } from './helpers';

/*
 * The construct library in-process (lib.ts, as the package exports it): the same dist/ as synth of
 * the equivalent configuration, and every bad value refused with its field. The packed package,
 * installed into a cdk8s app and compiled against its types, is test/library-package.test.ts.
 */

const POSTGRES: DeclaredServiceProps = {
  image: `docker.io/library/postgres:16.4@sha256:${'b'.repeat(64)}`,
  command: ['docker-entrypoint.sh', 'postgres'],
  env: { PGDATA: '/var/lib/postgresql/data/pgdata' },
  secretKeys: ['POSTGRES_PASSWORD'],
  ports: [{ containerPort: 5432, hostPort: 5432 }],
  health: { command: ['pg_isready', '-h', '127.0.0.1'], startPeriodSeconds: 30 },
  after: ['valkey'],
  mounts: [{ hostPath: '/persist/containers/postgres', mountPath: '/var/lib/postgresql/data', persistent: true }],
  capabilities: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'],
};
const PROXY: DeclaredServiceProps = {
  image: 'localhost/proxy:1',
  command: ['/usr/sbin/proxy'],
  ports: [{ containerPort: 8081 }],
  health: { tcp: 8081 },
  tools: ['bash'],
  after: ['postgres'],
};

function stackWithServices(config = {}): MemoryStack {
  const stack = new MemoryStack(new Chart(new App(), 'pod'), 'stack', { config });
  stack.addService('postgres', POSTGRES);
  new DeclaredService(stack, 'proxy', PROXY);
  return stack;
}

const byPath = (files: ReadonlyArray<{ path: string; content: string; mode: number }>) => Object.fromEntries(files.map((f) => [f.path, f]));

describe('construct library', () => {
  it('renders what synth renders for the equivalent configuration file', () => {
    const base = { bindAddress: '127.0.0.1', targets: ['podman', 'kubernetes'] as const, services: { opencode: { after: ['proxy'] } } };
    const stack = stackWithServices(base);
    const equivalent = { ...base, services: { opencode: { after: ['proxy'] }, postgres: POSTGRES, proxy: PROXY } };
    expect(stack.toConfig()).toEqual(JSON.parse(JSON.stringify(equivalent)));
    // The file a CLI user would write, read back from YAML: the same files, byte for byte.
    const fromFile = synthesize(configure(yaml.load(yaml.dump(equivalent))));
    const fromApp = stack.synthesize();
    expect(Object.keys(byPath(fromApp)).sort()).toEqual(Object.keys(byPath(fromFile)).sort());
    expect(byPath(fromApp)).toEqual(byPath(fromFile));
    // The services of your own are really in the pod, in order.
    const pod = fromApp.find((f) => f.path === 'pod.yaml')!.content;
    expect(pod).toMatch(/name: postgres/);
    expect(pod).toMatch(/name: proxy/);
    expect(fromApp.some((f) => f.path.startsWith('kubernetes/'))).toBe(true);
  });

  it('takes a configuration file as synth --config reads it, services added after those it declares', () => {
    const dir = tempDir();
    const file = join(dir, 'opencode-memory-pod.yaml');
    writeFileSync(file, yaml.dump({ services: { proxy: PROXY, opencode: { after: ['postgres'] } } }));
    const stack = new MemoryStack(new App(), 'stack', { configFile: file });
    stack.addService('postgres', POSTGRES);
    expect(Object.keys(stack.toConfig().services!)).toEqual(['proxy', 'opencode', 'postgres']);
    const out = join(dir, 'dist');
    const result = stack.writeDist(out);
    expect(result.warnings).toEqual([]);
    const cli = join(dir, 'cli');
    writeDist(cli, synthesize(configure(yaml.load(yaml.dump(stack.toConfig())))));
    for (const f of result.files) expect(readFileSync(join(out, f), 'utf8'), f).toBe(readFileSync(join(cli, f), 'utf8'));
    expect(readdirSync(out).sort()).toEqual(readdirSync(cli).sort());
  });

  it('refuses bad props when a construct is made, naming each field', () => {
    const stack = new MemoryStack(new App(), 'stack');
    const bad = () => stack.addService('postgres', { ...POSTGRES, health: { tcp: 5432, resp: 5432 }, memoryLimit: 'lots', ports: [{ containerPort: 70000 }] });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/services\.postgres\.health: got .*must have exactly one of tcp, http, resp or command/);
    expect(bad).toThrow(/services\.postgres\.memoryLimit: got "lots"/);
    expect(bad).toThrow(/services\.postgres\.ports\.0\.containerPort: got 70000/);
    // Refused, it left nothing: the same name is free for a good service.
    expect(stack.addService('postgres', POSTGRES).name).toBe('postgres');
    expect(() => stack.addService('valkey', POSTGRES)).toThrow(/services\.valkey: got "valkey"; valkey is a built-in service/);
    expect(() => stack.addService('Postgres', POSTGRES)).toThrow(/services\.Postgres: got "Postgres"; a service name must be 1-15 lowercase/);
    expect(() => new MemoryStack(new App(), 's', { config: { bindAddress: '0.0.0.0.0', services: { valkey: { port: 0 } } } })).toThrow(
      /bindAddress: got "0.0.0.0.0".*\n.*services\.valkey\.port: got 0/,
    );
    const app = new App();
    expect(() => new MemoryStack(app, 's', { config: {}, configFile: 'opencode-memory-pod.yaml' })).toThrow(
      /configFile: got .*give config or configFile, not both/,
    );
    expect(() => new MemoryStack(app, 's', { configFile: '/nonexistent/omp.yaml' })).toThrow(
      /invalid configuration in \/nonexistent\/omp\.yaml:\n.*cannot be read \(ENOENT\)/,
    );
    // Refused stacks left nothing in the tree.
    expect(app.node.children).toEqual([]);
    const declared = new MemoryStack(new App(), 's', { config: { services: { postgres: POSTGRES } } });
    expect(() => declared.addService('postgres', POSTGRES)).toThrow(/already declares services\.postgres/);
    expect(() => new DeclaredService(new App() as never, 'postgres', POSTGRES)).toThrow(/its scope must be a MemoryStack/);
  });

  it('reports what only the whole pod shows when synthesized, and through cdk8s validation, writing nothing', () => {
    const app = new App();
    const stack = new MemoryStack(app, 'stack', { config: { services: { valkey: { port: 5432 } } } });
    stack.addService('postgres', { ...POSTGRES, after: ['nothing'] });
    const out = join(tempDir(), 'dist');
    let error: unknown;
    try {
      stack.writeDist(out);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/services\.postgres\.after\.0: got "nothing"/);
    expect((error as ConfigError).message).toMatch(/services\.postgres\.ports\.0.*services\.valkey\.port|services\.valkey\.port.*services\.postgres/);
    expect(existsSync(out)).toBe(false);
    expect(stack.node.validate().join('\n')).toMatch(/services\.postgres\.after\.0: got "nothing"/);
    expect(() => app.synth()).toThrow(/services\.postgres\.after\.0/);
  });

  it("shows in README the example app's own lines (test/library-package.test.ts runs the app)", () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const at = readme.indexOf('<!-- examples/cdk8s-postgres/main.ts');
    const block = readme.slice(readme.indexOf('```ts\n', at) + 6, readme.indexOf('```\n', readme.indexOf('```ts\n', at) + 6));
    const main = readFileSync(join(__dirname, '..', 'examples', 'cdk8s-postgres', 'main.ts'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    // What the README adapts: main.ts also imports ConfigError, and writes to OMP_OUT_DIR when set.
    const adapted = [
      "import { MemoryStack } from 'opencode-memory-pod';",
      "stack.writeDist('dist'); // what `opencode-memory-pod synth --config equivalent.yaml` writes",
    ];
    let from = 0;
    const lines = block.split('\n').map((l) => l.trim());
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines.filter((l) => l && !adapted.includes(l))) {
      const found = main.indexOf(line, from);
      expect(found, `README line not in examples/cdk8s-postgres/main.ts (in order): ${line}`).toBeGreaterThanOrEqual(0);
      from = found + 1;
    }
  });

  it('writes dist/ only where synth may: a folder holding anything else is left as it was', () => {
    const out = join(tempDir(), 'dist');
    const stack = stackWithServices();
    stack.writeDist(out);
    const before = readFileSync(join(out, 'pod.yaml'), 'utf8');
    writeFileSync(join(out, 'notes.txt'), 'mine\n');
    expect(() => stack.writeDist(out)).toThrow(/holds files synth did not write \(notes\.txt\)/);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect(readFileSync(join(out, 'pod.yaml'), 'utf8')).toBe(before);
  });

  it('types the configuration from its schema (src/library/config-types.ts is current)', async () => {
    expect(readFileSync(CONFIG_TYPES, 'utf8')).toBe(await configTypes());
  });
});

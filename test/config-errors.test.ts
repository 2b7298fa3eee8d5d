import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { buildModel, configure } from '../src/app/synth';
import { MemoryStack } from '../src/app/stack';
import { parseConfig } from '../src/config/load';
import { ConfigError, ConfigProblem } from '../src/lib/config-error';
import { REPO, tempDir, tree } from './helpers';

/** The problems `run` throws as a ConfigError. */
function problemsOf(run: () => unknown): readonly ConfigProblem[] {
  try {
    run();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const fields = (problems: readonly ConfigProblem[]) => problems.map((p) => p.field);

/** Schema errors and construct errors in one file. */
const SEVERAL = [
  'bindAddress: 0.0.0.0.0', // schema
  'targets: [podman, kubernetes]',
  'services:',
  '  valkey: { maxmemory: 4gb, memoryLimit: 4Gi, secretKeys: [REDIS_*] }', // construct: headroom; pod: secret keys
  '  falkordb: { port: 99999 }', // schema
  '  opencode: { hostPort: 6380 }', // pod: Valkey's host port
  '  datadog: { enabled: yes }', // schema
  'kubernetes: { storage: { valkey-dat: 5Gi } }', // the Kubernetes target's check
  '',
].join('\n');

describe('every configuration error at once', () => {
  it('the constructs report every problem they find, not the first (node.addValidation)', () => {
    const problems = problemsOf(() =>
      buildModel(parseConfig({ services: { valkey: { maxmemory: '4gb', memoryLimit: '4Gi', secretKeys: ['REDIS_*'] }, opencode: { hostPort: 6380 } } })),
    );
    expect(problems).toEqual([
      expect.objectContaining({ field: 'services.valkey.memoryLimit', value: '4Gi', allowed: expect.stringMatching(/at least 1.25x/) }),
      expect.objectContaining({ field: 'services.valkey.secretKeys', value: ['REDIS_*'], allowed: expect.stringMatching(/must include VALKEY_PASSWORD/) }),
      expect.objectContaining({ field: 'services.opencode.port', value: 6380, allowed: expect.stringMatching(/services\.valkey\.port/) }),
    ]);
  });

  it('a construct check is a constructs validation: node.validate() reports it too', () => {
    const stack = new MemoryStack(new App(), 'stack', parseConfig({ services: { valkey: { maxmemory: '4gb', memoryLimit: '4Gi' } } }));
    const valkey = stack.services.find((s) => s.name === 'valkey')!;
    expect(valkey.node.validate()).toEqual([expect.stringMatching(/^services\.valkey\.memoryLimit: got "4Gi"; must be at least 1.25x/)]);
    expect(stack.configProblems()).toHaveLength(1);
  });

  it('lists the schema errors and the construct errors together, each naming its field, value and what is allowed', () => {
    const data = {
      bindAddress: '0.0.0.0.0',
      targets: ['podman', 'kubernetes'],
      services: {
        valkey: { maxmemory: '4gb', memoryLimit: '4Gi', secretKeys: ['REDIS_*'] },
        falkordb: { port: 99999 },
        opencode: { hostPort: 6380 },
        datadog: { enabled: 'yes' },
      },
      kubernetes: { storage: { 'valkey-dat': '5Gi' } },
    };
    const problems = problemsOf(() => configure(data));
    expect(fields(problems)).toEqual([
      'bindAddress',
      'services.falkordb.port',
      'services.datadog.enabled',
      'services.valkey.memoryLimit',
      'services.valkey.secretKeys',
      'services.opencode.port',
      'kubernetes.storage.valkey-dat',
    ]);
    expect(problems.find((p) => p.field === 'services.falkordb.port')).toMatchObject({ value: 99999, allowed: 'must be an integer from 1 to 65535' });
    expect(problems.find((p) => p.field === 'kubernetes.storage.valkey-dat')).toMatchObject({
      value: '5Gi',
      allowed: expect.stringMatching(/no such persistent volume/),
    });
  });

  it('checks the targets the command line names, not the file', () => {
    const data = { services: { falkordb: { port: 99999 } }, kubernetes: { storage: { 'valkey-dat': '5Gi' } } };
    expect(fields(problemsOf(() => configure(data)))).toEqual(['services.falkordb.port']);
    expect(fields(problemsOf(() => configure(data, ['kubernetes'])))).toEqual(['services.falkordb.port', 'kubernetes.storage.valkey-dat']);
  });

  it('leaves out a construct error that compared a field the schema refused (its default stood in)', () => {
    // opencode's port is refused, so its default 4096 stands in: Valkey on 4096 is no collision the user made.
    expect(fields(problemsOf(() => configure({ services: { valkey: { port: 4096 }, opencode: { port: 99999 } } })))).toEqual(['services.opencode.port']);
    // maxmemory is refused: the default 2gb would judge memoryLimit.
    expect(fields(problemsOf(() => configure({ services: { valkey: { maxmemory: '4 GB', memoryLimit: '1Gi' } } })))).toEqual(['services.valkey.maxmemory']);
    // An array the schema refused is left out as a whole; the rest is still judged.
    expect(fields(problemsOf(() => configure({ targets: ['nomad'], services: { valkey: { maxmemory: '4gb', memoryLimit: '4Gi' } } })))).toEqual([
      'targets.0',
      'services.valkey.memoryLimit',
    ]);
    // An unknown key is no value the constructs read.
    expect(fields(problemsOf(() => configure({ services: { valkey: { maxmem: '1gb', maxmemory: '4gb', memoryLimit: '4Gi' } } })))).toEqual([
      'services.valkey.maxmem',
      'services.valkey.memoryLimit',
    ]);
  });

  it('a good configuration passes, with the targets given', () => {
    expect(configure(undefined).targets).toEqual(['podman']);
    expect(configure({ podName: 'x' }, ['kubernetes'])).toMatchObject({ podName: 'x', targets: ['kubernetes'] });
  });

  it('synth: prints them all, exits 2 and leaves a good dist/ untouched', () => {
    const dir = tempDir();
    const cli = (args: string[]) => spawnSync(process.execPath, [join(REPO, 'build', 'cli.js'), ...args], { cwd: dir, encoding: 'utf8' });
    expect(cli(['synth']).status).toBe(0);
    const before = tree(join(dir, 'dist'));
    const mtime = statSync(join(dir, 'dist', 'pod.yaml')).mtimeMs;
    writeFileSync(join(dir, 'bad.yaml'), SEVERAL);
    const r = cli(['synth', '--config', 'bad.yaml']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      [
        'opencode-memory-pod: invalid configuration in bad.yaml:',
        '  - bindAddress: got "0.0.0.0.0"; must be an IPv4 address such as 127.0.0.1 (loopback only) or 0.0.0.0 (every interface)',
        '  - services.falkordb.port: got 99999; must be an integer from 1 to 65535',
        '  - services.datadog.enabled: got "yes"; must be boolean',
        '  - services.valkey.memoryLimit: got "4Gi"; must be at least 1.25x services.valkey.maxmemory (4gb), i.e. 5120Mi',
        '  - services.valkey.secretKeys: got ["REDIS_*"]; must include VALKEY_PASSWORD: valkey reads it',
        '  - services.opencode.port: got 6380; host port already used by services.valkey.port; every published port must differ',
        '  - kubernetes.storage.valkey-dat: got "5Gi"; no such persistent volume; volumes: valkey-data, falkordb-data, opencode-data',
        'opencode-memory-pod: nothing written; dist/ is unchanged',
        '',
      ].join('\n'),
    );
    // A bad --target is one more problem, not one that hides the file's.
    const both = cli(['synth', '--config', 'bad.yaml', '--target', 'podman,nomad']);
    expect(both.status).toBe(2);
    const lines = both.stderr.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'opencode-memory-pod: invalid configuration in the command line:',
      '  - --target: got "podman,nomad"; podman, kubernetes, or several separated by a comma',
      'opencode-memory-pod: invalid configuration in bad.yaml:',
    ]);
    expect(lines.filter((l) => l.startsWith('  - ')).length).toBe(8);
    expect(tree(join(dir, 'dist'))).toEqual(before);
    expect(statSync(join(dir, 'dist', 'pod.yaml')).mtimeMs).toBe(mtime);
    expect(readdirSync(dir).filter((n) => n.startsWith('.dist'))).toEqual([]);
  });
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/lib/config-error';
import { loadConfigFile, parseConfig } from '../src/config/load';
import { buildModel } from '../src/app/synth';
import { movingImageWarnings } from '../src/config/image-warnings';
import { isPinned, parseImageRef } from '../src/lib/image-ref';
import { tempDir } from './helpers';

function problems(input: unknown) {
  try {
    buildModel(parseConfig(input));
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('runs with no configuration at all', () => {
    const c = parseConfig(undefined);
    expect(c.bindAddress).toBe('127.0.0.1');
    expect(c.services.valkey).toMatchObject({ image: 'docker.io/valkey/valkey:7.2.14', port: 6380, maxmemory: '2gb' });
    expect(c.services.falkordb.image).toMatch(/^docker\.io\/falkordb\/falkordb:v4\./);
    expect(c.services.datadog.enabled).toBe(true);
    expect(c.services.graphiti.enabled).toBe(false);
  });

  it('names the field, the value and what is allowed', () => {
    expect(problems({ services: { valkey: { port: 70000 } } })).toEqual([
      { field: 'services.valkey.port', value: 70000, allowed: 'must be an integer from 1 to 65535' },
    ]);
    const [p] = problems({ bindAddress: '0.0.0.0.0' });
    expect(p.field).toBe('bindAddress');
    expect(p.value).toBe('0.0.0.0.0');
    expect(p.allowed).toMatch(/IPv4 address/);
  });

  it('rejects unknown fields and lists the allowed ones', () => {
    const [p] = problems({ services: { valkey: { maxmem: '1gb' } } });
    expect(p.field).toBe('services.valkey.maxmem');
    expect(p.allowed).toContain('maxmemory');
  });

  it('lists the allowed fields at the top level too', () => {
    const [p] = problems({ extra: 1 });
    expect(p.field).toBe('extra');
    expect(p.allowed).toMatch(/allowed here: podName, .*services$/);
  });

  it('rejects short image names, :latest-less typos and wrong types', () => {
    expect(problems({ services: { valkey: { image: 'valkey/valkey:7.2' } } })[0].allowed).toMatch(/fully qualified/);
    expect(problems({ services: { datadog: { enabled: 'yes' } } })[0]).toMatchObject({ field: 'services.datadog.enabled', allowed: 'must be boolean' });
    expect(problems({ services: { valkey: { maxmemoryPolicy: 'lru' } } })[0].allowed).toMatch(/must be one of .*allkeys-lru/);
  });

  it('requires a version tag or digest on remote images; local builds may use any tag', () => {
    for (const image of ['docker.io/valkey/valkey', 'docker.io/valkey/valkey:latest']) {
      expect(problems({ services: { valkey: { image } } })).toEqual([
        { field: 'services.valkey.image', value: image, allowed: expect.stringMatching(/must name a version tag or a digest \(not :latest, not untagged\)/) },
      ]);
    }
    expect(() =>
      buildModel(
        parseConfig({ services: { valkey: { image: `docker.io/valkey/valkey@sha256:${'a'.repeat(64)}` }, opencode: { image: 'localhost/opencode:latest' } } }),
      ),
    ).not.toThrow();
  });

  it('every default image is pinned to one release (a full version), never a moving tag', () => {
    const c = parseConfig({ services: { graphiti: { enabled: true } } });
    const images = [c.services.valkey.image, c.services.falkordb.image, c.services.datadog.image, c.services.graphiti.image];
    expect(images).toEqual([
      'docker.io/valkey/valkey:7.2.14',
      'docker.io/falkordb/falkordb:v4.20.4',
      'gcr.io/datadoghq/agent:7.84.6',
      'docker.io/zepai/knowledge-graph-mcp:1.0.2-standalone',
    ]);
    for (const image of images) expect(isPinned(parseImageRef(image)!), image).toBe(true);
    expect(movingImageWarnings(buildModel(c))).toEqual([]);
  });

  it('accepts a moving tag other than latest, and synth warns for each with the field, the value and what is allowed', () => {
    const c = parseConfig({
      services: {
        valkey: { image: 'docker.io/valkey/valkey:7.2' },
        datadog: { image: 'gcr.io/datadoghq/agent:7' },
        falkordb: { image: `docker.io/falkordb/falkordb:v4@sha256:${'a'.repeat(64)}` },
        opencode: { image: 'localhost/opencode:main' },
        graphiti: { enabled: false, image: 'docker.io/zepai/knowledge-graph-mcp:standalone' },
      },
    });
    const warnings = movingImageWarnings(buildModel(c));
    // Not the digest-pinned FalkorDB, not the local build, not the disabled Graphiti.
    expect(warnings.map((w) => w.split(':')[0])).toEqual(['services.valkey.image', 'services.datadog.image']);
    expect(warnings[0]).toBe(
      'services.valkey.image: got "docker.io/valkey/valkey:7.2"; :7.2 is a moving tag (it names a line of releases, not one release): ' +
        'which image runs depends on when each host pulled it. Pin it with a full version tag (three numbers, e.g. :7.2.14, :v4.20.4, ' +
        ':7.2.14-alpine, or a date stamp) or a digest (name:tag@sha256:<64 hex>, which `opencode-memory-pod image pull --record` writes).',
    );
  });

  it('kubernetes and targets settings: names the field, the value and what is allowed', () => {
    expect(problems({ targets: ['nomad'] })[0]).toMatchObject({ field: 'targets.0', value: 'nomad' });
    expect(problems({ targets: [] })[0].allowed).toMatch(/at least one target/);
    expect(problems({ kubernetes: { datadog: 'daemonset' } })[0]).toMatchObject({
      field: 'kubernetes.datadog',
      allowed: 'must be one of "node-agent", "sidecar"',
    });
    expect(problems({ kubernetes: { storage: { 'valkey-data': '5GB' } } })[0]).toMatchObject({ field: 'kubernetes.storage.valkey-data', value: '5GB' });
    expect(problems({ kubernetes: { namespace: 'Memory' } })[0].field).toBe('kubernetes.namespace');
  });

  it('rejects relative host paths and ".."', () => {
    expect(problems({ envFile: 'secrets/opencode.env' })[0].field).toBe('envFile');
    expect(problems({ services: { opencode: { dataDir: '/persist/../etc' } } })[0].allowed).toMatch(/\.\./);
  });

  it("refuses workspaces that are not a folder of the user's own, naming the entry", () => {
    const ws = (workspaces: unknown, extra: object = {}) => problems({ services: { opencode: { workspaces, ...extra } } });
    expect(ws(['code/app'])[0]).toMatchObject({ field: 'services.opencode.workspaces.0', value: 'code/app', allowed: expect.stringMatching(/absolute path/) });
    expect(ws(['/'])[0]).toMatchObject({ field: 'services.opencode.workspaces.0', allowed: expect.stringMatching(/must not be \/ \(the whole host\)/) });
    for (const dir of ['/etc', '/usr', '/home', '/var', '/root', '/etc/']) expect(ws(['/srv/ok', dir])[0].allowed).toMatch(/itself, a directory of the system/);
    for (const dir of ['/proc/1/root', '/sys/fs', '/dev/shm/x', '/run/user/1000']) expect(ws([dir])[0].allowed).toMatch(/kernel or runtime file system/);
    // Apart from every data directory: not inside one, not holding one.
    expect(ws(['/persist/containers/valkey/x'])[0]).toMatchObject({
      field: 'services.opencode.workspaces.0',
      allowed: expect.stringMatching(/be or lie inside \/persist\/containers\/valkey \(services\.valkey\.dataDir\)/),
    });
    expect(ws(['/persist'])[0].allowed).toMatch(/must not contain \/persist\/containers\/valkey/);
    expect(ws(['/srv/oc'], { pluginsDir: '/srv/oc/plugins' })[0].allowed).toMatch(/services\.opencode\.pluginsDir/);
    // Once each, and none inside another.
    expect(ws(['/srv/a', '/srv/b', '/srv/a/'])).toEqual([
      expect.objectContaining({
        field: 'services.opencode.workspaces.2',
        allowed: expect.stringMatching(/already listed as services\.opencode\.workspaces\.0/),
      }),
    ]);
    expect(ws(['/srv/a', '/srv/a/sub'])[0]).toMatchObject({
      field: 'services.opencode.workspaces.1',
      allowed: expect.stringMatching(/lie inside the workspace \/srv\/a/),
    });
    expect(() => buildModel(parseConfig({ services: { opencode: { workspaces: ['/srv/ab', '/srv/a', '/home/alice/code'] } } }))).not.toThrow();
    // The container's own paths: OpenCode's home and the launcher.
    expect(ws(['/home/opencode/x'])[0].allowed).toMatch(/\/home\/opencode: OpenCode's home/);
    expect(ws(['/opt/opencode-memory-pod'])[0].allowed).toMatch(/launcher/);
  });

  it('refuses data directories of the system, with . in them, or shared with another service', () => {
    const dd = (services: object) => problems({ services });
    expect(dd({ valkey: { dataDir: '/etc' } })[0]).toMatchObject({
      field: 'services.valkey.dataDir',
      allowed: expect.stringMatching(/itself, a directory of the system/),
    });
    expect(dd({ opencode: { dataDir: '/' } })[0]).toMatchObject({ field: 'services.opencode.dataDir', allowed: expect.stringMatching(/the whole host/) });
    expect(dd({ falkordb: { dataDir: '/usr/local/falkordb' } })[0].allowed).toMatch(/inside \/usr/);
    expect(dd({ opencode: { dataDir: '/persist/./containers/opencode' } })[0].allowed).toMatch(/"\." components/);
    expect(dd({ falkordb: { dataDir: '/persist/containers/valkey' } })[0]).toMatchObject({
      field: 'services.falkordb.dataDir',
      allowed: expect.stringMatching(/apart from \/persist\/containers\/valkey \(services\.valkey\.dataDir\)/),
    });
    expect(dd({ opencode: { dataDir: '/persist/containers' } })[0].field).toBe('services.opencode.dataDir');
    expect(problems({ installPath: '/srv/pod/pod.yaml', services: { opencode: { dataDir: '/srv/pod' } } })[0]).toMatchObject({
      field: 'services.opencode.dataDir',
      allowed: expect.stringMatching(/apart from \/srv\/pod \(installPath\)/),
    });
    expect(problems({ envFile: '/srv/oc/secrets.env', services: { opencode: { dataDir: '/srv/oc' } } })[0].allowed).toMatch(/\(envFile\)/);
  });

  it("workspaces stay clear of the pod's own files and of what /var/run and . would hide", () => {
    const ws = (path: string, extra: object = {}) => problems({ ...extra, services: { opencode: { workspaces: [path] } } });
    expect(ws('/var/run/secrets')[0].allowed).toMatch(/inside \/var\/run/);
    expect(ws('/etc/opencode-memory-pod')[0].allowed).toMatch(/inside \/etc/);
    expect(ws('/usr/local/bin')[0].allowed).toMatch(/inside \/usr/);
    expect(ws('/srv/./a')[0].allowed).toMatch(/"\." components/);
    expect(ws('/srv/secrets', { envFile: '/srv/secrets/opencode.env' })[0]).toMatchObject({
      allowed: expect.stringMatching(/contain \/srv\/secrets\/opencode\.env \(envFile\)/),
    });
    expect(ws('/srv/pod', { installPath: '/srv/pod/pod.yaml' })[0]).toMatchObject({ allowed: expect.stringMatching(/\/srv\/pod \(installPath\)/) });
  });

  it("OpenCode's plugin folder and configuration file: the user's own, none of the system's, no store's data, not the pod's files", () => {
    const oc = (opencode: object, extra: object = {}) => problems({ ...extra, services: { opencode } });
    expect(oc({ pluginsDir: '/etc' })[0]).toMatchObject({
      field: 'services.opencode.pluginsDir',
      allowed: expect.stringMatching(/itself, a directory of the system/),
    });
    expect(oc({ pluginsDir: '/' })[0].allowed).toMatch(/the whole host/);
    expect(oc({ pluginsDir: '/proc/1' })[0].allowed).toMatch(/inside \/proc/);
    expect(oc({ configFile: '/etc/shadow' })[0]).toMatchObject({
      field: 'services.opencode.configFile',
      allowed: expect.stringMatching(/inside \/etc \(the system's own files\)/),
    });
    expect(oc({ configFile: '/etc' })[0].allowed).toMatch(/must be a file, not the directory \/etc/);
    expect(oc({ configFile: '/persist/containers/valkey/dump.rdb' })[0]).toMatchObject({
      field: 'services.opencode.configFile',
      allowed: expect.stringMatching(/apart from \/persist\/containers\/valkey \(services\.valkey\.dataDir\)/),
    });
    expect(oc({ pluginsDir: '/persist/containers' }).map((p) => p.allowed.split(':')[0])).toEqual([
      'must be apart from /persist/containers/valkey (services.valkey.dataDir)',
      'must be apart from /persist/containers/falkordb (services.falkordb.dataDir)',
      'must be apart from /persist/containers/opencode (services.opencode.dataDir)',
    ]);
    expect(oc({ configFile: '/srv/oc/opencode.env' }, { envFile: '/srv/oc/opencode.env' })[0].allowed).toMatch(/\(envFile\)/);
    expect(oc({ pluginsDir: '/srv/oc' }, { envFile: '/srv/oc/opencode.env' })[0].allowed).toMatch(/\(envFile\)/);
    expect(() =>
      buildModel(parseConfig({ services: { opencode: { pluginsDir: '/srv/opencode/plugins', configFile: '/home/alice/.config/opencode/opencode.json' } } })),
    ).not.toThrow();
  });

  it('extraCapabilities for OpenCode only as root: as a user it keeps none', () => {
    const [p] = problems({ services: { opencode: { extraCapabilities: ['NET_BIND_SERVICE'] } } });
    expect(p).toMatchObject({ field: 'services.opencode.extraCapabilities', allowed: expect.stringMatching(/runAs is a user's \(1000:1000\).*runAs: "0:0"/) });
    expect(() => buildModel(parseConfig({ services: { opencode: { runAs: '0:0', extraCapabilities: ['NET_BIND_SERVICE'] } } }))).not.toThrow();
  });

  it('runAs is UID:GID as numbers', () => {
    for (const bad of ['alice', '1000', '1000:', 'alice:alice', '-1:0', '99999999999:0', '0:1000'])
      expect(problems({ services: { opencode: { runAs: bad } } })[0]).toMatchObject({ field: 'services.opencode.runAs', value: bad });
    expect(() => buildModel(parseConfig({ services: { opencode: { runAs: '0:0' } } }))).not.toThrow();
  });

  it('requires memory headroom above Valkey maxmemory', () => {
    const [p] = problems({ services: { valkey: { maxmemory: '4gb', memoryLimit: '4Gi' } } });
    expect(p).toMatchObject({ field: 'services.valkey.memoryLimit', value: '4Gi' });
    expect(p.allowed).toMatch(/at least 1.25x .* 5120Mi/);
    expect(() => buildModel(parseConfig({ services: { valkey: { maxmemory: '4gb', memoryLimit: '5Gi' } } }))).not.toThrow();
  });

  it('FalkorDB: maxmemory must fit its memoryLimit with the browser and the snapshot fork (1.25x)', () => {
    // The default fits: 1gb x 1.25 + 256Mi = 1536Mi of 2Gi.
    const model = buildModel(parseConfig({}));
    const falkordb = model.stages.find((s) => s.spec.name === 'falkordb')!.spec;
    expect(falkordb.env.REDIS_ARGS).toBe('- --maxmemory 1gb --maxmemory-policy noeviction --save 60 100');
    // At the bound: (2048 - 256) / 1.25 = 1433.6Mi.
    expect(() => buildModel(parseConfig({ services: { falkordb: { maxmemory: '1433mb' } } }))).not.toThrow();
    const [p, ...rest] = problems({ services: { falkordb: { maxmemory: '1434mb' } } });
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ field: 'services.falkordb.maxmemory', value: '1434mb' });
    expect(p.allowed).toBe(
      'must fit services.falkordb.memoryLimit (2Gi) - 256Mi for the browser (services.falkordb.browser), with 1.25x maxmemory for the snapshot fork: at most 1433mb, or memoryLimit at least 2049Mi',
    );
    // Without the browser the store has the whole limit.
    expect(() => buildModel(parseConfig({ services: { falkordb: { maxmemory: '1638mb', browser: false } } }))).not.toThrow();
    expect(problems({ services: { falkordb: { maxmemory: '1639mb', browser: false } } })[0].allowed).toMatch(
      /^must fit services\.falkordb\.memoryLimit \(2Gi\), with 1\.25x maxmemory for the snapshot fork: at most 1638mb, or memoryLimit at least 2049Mi$/,
    );
    // A limit the browser alone fills.
    expect(problems({ services: { falkordb: { memoryLimit: '256Mi' } } })[0].allowed).toMatch(/nothing is left for the store, or memoryLimit at least 1536Mi$/);
    // memoryLimits: false (podman without the memory controller) still judges it: memoryLimit is the
    // budget maxmemory is set from, and the Kubernetes target always applies it.
    expect(problems({ memoryLimits: false, services: { falkordb: { maxmemory: '2gb' } } })[0].field).toBe('services.falkordb.maxmemory');
    const bigger = buildModel(parseConfig({ memoryLimits: false, services: { falkordb: { maxmemory: '3gb', memoryLimit: '4096Mi' } } }));
    expect(bigger.stages.find((s) => s.spec.name === 'falkordb')!.spec.env.REDIS_ARGS).toContain('--maxmemory 3gb --maxmemory-policy noeviction');
    expect(problems({ services: { falkordb: { maxmemory: '1 GB' } } })[0]).toMatchObject({ field: 'services.falkordb.maxmemory', value: '1 GB' });
  });

  it('rejects two services on one host port, naming both fields', () => {
    const [p] = problems({ services: { opencode: { hostPort: 6380 } } });
    expect(p).toMatchObject({ field: 'services.opencode.port', value: 6380 });
    expect(p.allowed).toMatch(/services\.valkey\.port/);
  });

  it('rejects two services listening on one port inside the pod', () => {
    const [p] = problems({ services: { valkey: { port: 6379, hostPort: 16379 } } });
    expect(p.allowed).toMatch(/already used inside the pod/);
  });

  it('reads YAML files and reports unreadable or malformed ones', () => {
    const dir = tempDir();
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'bindAddress: 100.64.0.1\nservices:\n  datadog:\n    enabled: false\n');
    expect(loadConfigFile(good).services.datadog.enabled).toBe(false);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'services: [unclosed\n');
    expect(() => loadConfigFile(bad)).toThrow(/not valid YAML/);
    expect(() => loadConfigFile(join(dir, 'missing.yaml'))).toThrow(/cannot be read \(ENOENT\)/);
    const list = join(dir, 'list.yaml');
    writeFileSync(list, '- a\n- b\n');
    expect(() => loadConfigFile(list)).toThrow(/must be a YAML mapping/);
  });
});

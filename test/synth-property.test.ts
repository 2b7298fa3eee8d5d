import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { DIST_STAMP } from '../src/app/write-dist';
import { join } from 'node:path';
import fc from 'fast-check';
import { dump } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../src/config/load';
import { synthesize } from '../src/app/synth';
import { runSynth } from '../src/cli/synth';
import { parseManifests } from '../src/validate/manifest-input';
import { parsePodmanVersion } from '../src/lib/podman-version';
import { PODMAN_KINDS, validateDocuments } from '../src/validate/validate';
import { tempDir, tree } from './helpers';

const VERSIONS = ['4.3.1', '4.4.0', '4.6.0', '4.7.0', '4.8.0', '4.9.0', '5.0.0', '5.1.0', '5.4.2', '5.8.6'].map((v) => parsePodmanVersion(v)!);

// Mostly valid values with a rare invalid one per field, so that about half of the runs are
// valid configurations and the rest fail in one or two fields: ports that collide, memory limits
// below Valkey's headroom, bad paths, images, names, types.
const pick = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<unknown>, invalidWeight = 1) =>
  fc.oneof({ arbitrary: valid, weight: 30 }, { arbitrary: invalid as fc.Arbitrary<T>, weight: invalidWeight });
const portArb = pick(
  fc.oneof(
    { arbitrary: fc.integer({ min: 10000, max: 60000 }), weight: 20 },
    { arbitrary: fc.constantFrom(6379, 6380, 3000, 8126, 4096, 8000, 4318), weight: 1 },
  ),
  fc.constantFrom(0, -1, 65536, 70000, '6379', 1.5),
);
const pathArb = pick(fc.stringMatching(/^\/[a-z0-9._-]{1,12}(\/[a-z0-9_-]{1,8})?$/), fc.constantFrom('relative/path', '/a/../b', '/with space', '', '/x;rm'));
const imageArb = pick(
  fc.constantFrom(
    'docker.io/valkey/valkey:8.0.9',
    // Valid with a warning: moving tags.
    'docker.io/valkey/valkey:8.0',
    'ghcr.io/example/image:stable',
    'localhost/x:1',
    'docker.io/falkordb/falkordb:v4.18.1',
    'quay.io/a/b@sha256:' + 'a'.repeat(64),
    'localhost/opencode:latest',
  ),
  fc.constantFrom('valkey:7', 'UPPER/x:1', 'docker.io/a b', 'docker.io/valkey/valkey', 'docker.io/valkey/valkey:latest'),
  6,
);
const memArb = pick(fc.constantFrom('512Mi', '1Gi', '3Gi', '4Gi', '100Gi', '64Mi'), fc.constantFrom('1G', '0Mi', 'lots', '2.5Gi'));
const boolArb = pick(fc.boolean(), fc.constantFrom('yes', 1));
// freq 2: a field is left out (default) half of the time.
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });

const configArb = fc.record({
  podName: opt(pick(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/), fc.constantFrom('Bad_Name', '', 'a'.repeat(60)))),
  bindAddress: opt(pick(fc.constantFrom('127.0.0.1', '0.0.0.0', '10.1.2.3'), fc.constantFrom('256.1.1.1', 'localhost', '::1'))),
  envFile: opt(pathArb),
  installPath: opt(pick(fc.constantFrom('/etc/omp/pod.yaml', '/srv/x.yaml'), fc.constantFrom('/etc/omp/pod.yml', 'pod.yaml'))),
  ordering: opt(boolArb),
  memoryLimits: opt(boolArb),
  startTimeoutSeconds: opt(pick(fc.integer({ min: 1, max: 3600 }), fc.constantFrom(0, -5, 3601, 2.5))),
  unknownField: fc.oneof({ arbitrary: fc.constant(undefined), weight: 40 }, { arbitrary: fc.constant(1), weight: 1 }),
  services: opt(
    fc.record({
      valkey: opt(
        fc.record({
          image: opt(imageArb),
          port: opt(portArb),
          hostPort: opt(portArb),
          maxmemory: opt(pick(fc.constantFrom('64mb', '512mb', '2gb'), fc.constantFrom('2GB', '0gb'))),
          memoryLimit: opt(memArb),
          save: opt(pick(fc.constantFrom('', '60 1000', '900 1 300 10'), fc.constant('60'))),
          dataDir: opt(pathArb),
          maxmemoryPolicy: opt(pick(fc.constantFrom('noeviction', 'allkeys-lru'), fc.constant('lru'))),
        }),
      ),
      falkordb: opt(
        fc.record({
          image: opt(imageArb),
          port: opt(portArb),
          hostPort: opt(portArb),
          browser: opt(boolArb),
          browserHostPort: opt(portArb),
          memoryLimit: opt(memArb),
          dataDir: opt(pathArb),
          save: opt(pick(fc.constant('60 100'), fc.constant(''))),
        }),
      ),
      datadog: opt(
        fc.record({
          enabled: opt(boolArb),
          image: opt(imageArb),
          apmHostPort: opt(portArb),
          podmanSocket: opt(pathArb),
          hostname: opt(pick(fc.constantFrom('host-1', 'a.b'), fc.constant('bad host'))),
          llmObservability: opt(boolArb),
          memoryLimit: opt(memArb),
        }),
      ),
      opencode: opt(
        fc.record({
          image: opt(imageArb),
          port: opt(portArb),
          hostPort: opt(portArb),
          dataDir: opt(pathArb),
          pluginsDir: opt(pathArb),
          configFile: opt(pathArb),
          memoryLimit: opt(memArb),
        }),
      ),
      graphiti: opt(
        fc.record({
          enabled: opt(boolArb),
          image: opt(imageArb),
          hostPort: opt(portArb),
          database: opt(pick(fc.constant('default_db'), fc.constant('bad db'))),
          memoryLimit: opt(memArb),
        }),
      ),
    }),
  ),
});

describe('synth on random configurations (fast-check)', () => {
  it('either writes a complete dist/ that validates clean on every podman, or fails with a config error and leaves dist/ as it was', () => {
    const dir = tempDir();
    const outDir = join(dir, 'dist');
    // A good dist/ that a failed synth must not touch.
    expect(
      runSynth(
        { outDir },
        () => {},
        () => {},
      ),
    ).toBe(0);
    let ok = 0;
    let failed = 0;
    let moving = 0;
    fc.assert(
      fc.property(configArb, (config) => {
        const configPath = join(dir, 'config.yaml');
        writeFileSync(configPath, dump(config, { noRefs: true, skipInvalid: true }));
        const before = tree(outDir);
        const errors: string[] = [];
        const code = runSynth(
          { configPath, outDir },
          () => {},
          (line) => errors.push(line),
        );
        // Nothing besides dist/ and the config file is left next to it (no staging folders).
        expect(readdirSync(dir).sort()).toEqual(['config.yaml', 'dist']);
        if (code === 2) {
          failed++;
          expect(errors[0]).toMatch(/^opencode-memory-pod: invalid configuration in .*config\.yaml:\n  - |^opencode-memory-pod: .*depend/);
          expect(tree(outDir)).toEqual(before);
          return;
        }
        ok++;
        expect(code).toBe(0);
        const after = tree(outDir);
        // Complete: every file synthesize() makes for this configuration, with its content.
        const expected = synthesize(loadConfigFile(configPath));
        // ... plus the stamp that lets the next synth replace the folder (listing exactly those files).
        expect(Object.keys(after).sort()).toEqual([...expected.map((f) => f.path), DIST_STAMP].sort());
        expect(JSON.parse(after[DIST_STAMP].slice(4)).files).toEqual(expected.map((f) => f.path).sort());
        for (const f of expected) expect(after[f.path]).toBe(`${f.mode.toString(8)} ${f.content}`);
        const docs = parseManifests(readFileSync(join(outDir, 'pod.yaml')), 'pod.yaml', PODMAN_KINDS);
        // Clean, but for the moving tags synth warned about, which validate reports the same.
        const warned = errors.flatMap((l) => /^opencode-memory-pod: warning: services\.\w+\.image: got "([^"]+)"/.exec(l)?.[1] ?? []);
        for (const podman of VERSIONS) {
          const loud = validateDocuments(docs, { target: 'podman', podman }).filter((f) => f.severity !== 'info');
          expect(loud.filter((f) => f.rule !== 'moving-tag').map((f) => `${f.rule} ${f.path}: ${f.message}`)).toEqual([]);
          expect(loud.map((f) => /^"([^"]+)"/.exec(f.message)?.[1]).sort()).toEqual([...warned].sort());
        }
        if (warned.length) moving++;
      }),
      { numRuns: 300 },
    );
    // The generator must exercise both outcomes, or the property says little.
    console.log(
      `synth property: ${ok} valid configurations synthesized and validated clean (${moving} with a moving tag, warned alike), ${failed} rejected with a config error`,
    );
    expect(ok).toBeGreaterThan(20);
    expect(moving).toBeGreaterThan(0);
    expect(failed).toBeGreaterThan(20);
  }, 240_000);
});

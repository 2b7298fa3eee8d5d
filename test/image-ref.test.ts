import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/lib/config-error';
import { FULLY_QUALIFIED_IMAGE, isLatest, isPinned, movingTag, parseImageRef, readImageRef } from '../src/lib/image-ref';
import { parseConfig } from '../src/config/load';
import { parseManifests } from '../src/validate/manifest-input';
import { PODMAN_KINDS, validateDocuments } from '../src/validate/validate';
import { REPO } from './helpers';

const SHA = `sha256:${'a'.repeat(64)}`;

describe('image references: one grammar (src/lib/image-ref.ts)', () => {
  it('reads the parts podman cares about, with or without a registry', () => {
    const cases: Array<[string, object]> = [
      ['docker.io/valkey/valkey:7.2', { domain: 'docker.io', tag: '7.2' }],
      ['localhost:5000/x', { domain: 'localhost:5000' }],
      ['localhost/opencode:latest', { domain: 'localhost', tag: 'latest' }],
      [`quay.io/a/b:1@${SHA}`, { domain: 'quay.io', tag: '1', digest: SHA }],
      ['omp-rules/tools:1', { tag: '1' }],
      ['localhostx/foo', {}],
      ['nginx', {}],
      // podman's rule: a first part with upper case is a registry (a repository never has any).
      ['Registry/x:V1', { domain: 'Registry', tag: 'V1' }],
      ['[::1]:5000/x', { domain: '[::1]:5000' }],
      ['a__b/c--d.e_f', {}],
    ];
    for (const [image, parts] of cases) expect(JSON.parse(JSON.stringify(parseImageRef(image))), image).toEqual(parts);
  });

  it('tells a pin (a digest or a full version) from a tag that moves, and both from latest', () => {
    const kind = (image: string) => {
      const ref = parseImageRef(image)!;
      return isLatest(ref) ? 'latest' : isPinned(ref) ? 'pinned' : 'moving';
    };
    const cases: Array<[string, 'pinned' | 'moving' | 'latest']> = [
      ['docker.io/valkey/valkey:7.2.14', 'pinned'],
      ['docker.io/falkordb/falkordb:v4.20.4', 'pinned'],
      ['docker.io/valkey/valkey:7.2.14-alpine3.21', 'pinned'],
      ['gcr.io/datadoghq/agent:7.84.6-jmx', 'pinned'],
      ['docker.io/zepai/knowledge-graph-mcp:1.0.2-standalone', 'pinned'],
      ['docker.io/library/postgres:16.4.1_p1', 'pinned'],
      ['docker.io/library/python:3.13.0rc1-slim', 'pinned'],
      ['docker.io/library/debian:bookworm-20240110-slim', 'pinned'],
      ['docker.io/library/x:20240110', 'pinned'],
      [`docker.io/valkey/valkey:7.2@${SHA}`, 'pinned'],
      [`docker.io/valkey/valkey@${SHA}`, 'pinned'],
      [`docker.io/valkey/valkey:latest@${SHA}`, 'pinned'],
      ['docker.io/valkey/valkey:7.2', 'moving'],
      ['gcr.io/datadoghq/agent:7', 'moving'],
      ['docker.io/falkordb/falkordb:v4', 'moving'],
      ['docker.io/valkey/valkey:7.2-alpine', 'moving'],
      ['docker.io/library/nginx:stable', 'moving'],
      ['docker.io/library/nginx:stable-alpine', 'moving'],
      ['docker.io/falkordb/falkordb:edge', 'moving'],
      ['ghcr.io/a/b:main', 'moving'],
      ['docker.io/library/alpine:alpine', 'moving'],
      ['docker.io/library/debian:bookworm', 'moving'],
      ['docker.io/zepai/knowledge-graph-mcp:standalone', 'moving'],
      ['docker.io/library/x:7.2.x', 'moving'],
      // Not a date: month 13.
      ['docker.io/library/x:20241301', 'moving'],
      ['docker.io/library/nginx:latest', 'latest'],
      ['docker.io/library/nginx', 'latest'],
    ];
    expect(cases.map(([image]) => [image, kind(image)])).toEqual(cases);
  });

  it('names a moving tag, except on a local build, a pin or latest (reported by the latest rules)', () => {
    const why = (image: string) => movingTag(parseImageRef(image)!);
    expect(why('docker.io/valkey/valkey:7.2')).toBe(':7.2 is a moving tag (it names a line of releases, not one release)');
    for (const image of ['localhost/opencode-server:main', 'docker.io/valkey/valkey:7.2.14', `docker.io/valkey/valkey:7.2@${SHA}`, 'docker.io/valkey/valkey'])
      expect(why(image), image).toBeUndefined();
  });

  it('reads nothing podman refuses, and says why', () => {
    const cases: Array<[string, RegExp]> = [
      ['NGINX', /must be lower case/],
      ['docker.io/Library/nginx:1', /must be lower case/],
      ['my_registry.io/x', /"my_registry.io" is not a registry name/],
      ['docker.io/a b', /not a valid image reference/],
      ['x@sha512:abc', /not a valid image reference/],
      ['a/-b', /not a valid image reference/],
      ['', /not a valid image reference/],
      [`docker.io/${'a'.repeat(250)}`, /longer than 255/],
    ];
    for (const [image, why] of cases) {
      expect(parseImageRef(image), image).toBeUndefined();
      const reading = readImageRef(image);
      expect('problem' in reading && reading.problem, image).toMatch(why);
    }
  });

  it("the configuration's pattern accepts a part of podman's grammar, with the registry required, as written to config.schema.json", () => {
    const schema = readFileSync(join(REPO, 'test', 'golden', 'config.schema.json'), 'utf8');
    expect(schema).toContain(JSON.stringify(FULLY_QUALIFIED_IMAGE.source));
    for (const image of ['docker.io/valkey/valkey:7.2', 'localhost/x', `quay.io/a/b@${SHA}`, 'localhost:5000/x:1']) {
      expect(FULLY_QUALIFIED_IMAGE.test(image), image).toBe(true);
      expect(parseImageRef(image)?.domain, image).toBeDefined();
    }
    // Refused by the configuration: no registry, upper case (podman takes it in a registry, we do not).
    for (const image of ['valkey/valkey:7.2', 'NGINX', 'Registry/x:1']) expect(FULLY_QUALIFIED_IMAGE.test(image), image).toBe(false);
  });

  it("a reference the grammar does not read gets the pattern's error alone, in the configuration", () => {
    let problems: ConfigError['problems'] = [];
    try {
      parseConfig({ services: { valkey: { image: 'docker.io/a b' } } });
    } catch (e) {
      problems = (e as ConfigError).problems;
    }
    expect(problems.map((p) => p.allowed)).toEqual([expect.stringMatching(/fully qualified/)]);
  });

  it("the validator's image rules: an image podman refuses is an error, and is not judged for its tag or registry", () => {
    const rules = (image: string) => {
      const text = `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: "${image}", imagePullPolicy: IfNotPresent}]\n`;
      const docs = parseManifests(Buffer.from(text), 'x.yaml', PODMAN_KINDS);
      return validateDocuments(docs, { target: 'podman', podman: 'all' })
        .map((f) => f.rule)
        .filter((r) => ['image-reference-invalid', 'short-image-name', 'latest-tag', 'moving-tag'].includes(r));
    };
    expect(rules('nginx')).toEqual(['latest-tag', 'short-image-name']);
    expect(rules('nginx:1.27')).toEqual(['moving-tag', 'short-image-name']);
    expect(rules('NGINX')).toEqual(['image-reference-invalid']);
    expect(rules('NGINX:1.27')).toEqual(['image-reference-invalid']);
    expect(rules('Registry/nginx:1.27.5')).toEqual([]);
  });
});

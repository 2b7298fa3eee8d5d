import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/lib/config-error';
import { FULLY_QUALIFIED_IMAGE, isPinned, parseImageRef } from '../src/lib/image-ref';
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
    ];
    for (const [image, parts] of cases) expect(JSON.parse(JSON.stringify(parseImageRef(image))), image).toEqual(parts);
    expect(isPinned(parseImageRef('nginx:1.27')!)).toBe(true);
    expect(isPinned(parseImageRef('docker.io/library/nginx:latest')!)).toBe(false);
  });

  it('reads nothing the grammar does not allow', () => {
    for (const image of ['NGINX', 'UPPER/x:1', 'docker.io/a b', 'x@sha512:abc', '']) expect(parseImageRef(image), image).toBeUndefined();
  });

  it("the configuration's pattern is the same grammar with the registry required, as written to config.schema.json", () => {
    const schema = readFileSync(join(REPO, 'test', 'golden', 'config.schema.json'), 'utf8');
    expect(schema).toContain(JSON.stringify(FULLY_QUALIFIED_IMAGE.source));
    for (const image of ['docker.io/valkey/valkey:7.2', 'localhost/x', `quay.io/a/b@${SHA}`, 'valkey/valkey:7.2', 'NGINX']) {
      expect(FULLY_QUALIFIED_IMAGE.test(image), image).toBe(parseImageRef(image)?.domain !== undefined);
    }
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

  it("the validator's image rules judge only what the grammar reads", () => {
    const rules = (image: string) => {
      const text = `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: "${image}", imagePullPolicy: IfNotPresent}]\n`;
      const docs = parseManifests(Buffer.from(text), 'x.yaml', PODMAN_KINDS);
      return validateDocuments(docs, { target: 'podman', podman: 'all' })
        .map((f) => f.rule)
        .filter((r) => ['short-image-name', 'latest-tag'].includes(r));
    };
    expect(rules('nginx')).toEqual(['latest-tag', 'short-image-name']);
    expect(rules('NGINX')).toEqual([]);
  });
});

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import schema from '../src/validate/kubernetes-1.28.schema.json';
import { REPO } from './helpers';

/**
 * The strict schema's field names must be the Kubernetes API's, not cdk8s's TypeScript spellings
 * (downwardApi for downwardAPI was once accepted while the real name was rejected). The source here
 * is independent of the schema generator: the Kubernetes client's generated models, whose
 * attributeTypeMap pairs each property with its JSON name (`baseName`) from the OpenAPI document.
 */
function clientModels(): Map<string, string[]> {
  const dir = join(REPO, 'node_modules/@kubernetes/client-node/dist/gen/models');
  const models = new Map<string, string[]>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- every model file, by a path found at run time
    const mod = require(join(dir, file)) as Record<string, { attributeTypeMap?: Array<{ baseName: string }> }>;
    for (const [name, value] of Object.entries(mod)) {
      if (!Array.isArray(value?.attributeTypeMap)) continue;
      // V1DownwardAPIVolumeSource -> downwardapivolumesource (cdk8s: DownwardApiVolumeSource)
      const key = name.replace(/^V\d+((alpha|beta)\d+)?/, '').toLowerCase();
      if (!models.has(key))
        models.set(
          key,
          value.attributeTypeMap.map((a) => a.baseName),
        );
    }
  }
  return models;
}

describe('strict Kubernetes schema', () => {
  it('spells every field as the Kubernetes API does', () => {
    const models = clientModels();
    const definitions = schema.definitions as Record<string, { properties?: Record<string, unknown> }>;
    let compared = 0;
    const wrong: string[] = [];
    for (const [name, def] of Object.entries(definitions)) {
      const api = models.get(name.toLowerCase());
      if (!def.properties || !api) continue;
      for (const field of Object.keys(def.properties)) {
        const real = api.find((b) => b.toLowerCase() === field.toLowerCase());
        if (!real) continue;
        compared++;
        if (real !== field) wrong.push(`${name}.${field} (the API says ${real})`);
      }
    }
    expect(wrong).toEqual([]);
    // Not vacuous: most of the schema was compared.
    expect(compared).toBeGreaterThan(500);
  });
});

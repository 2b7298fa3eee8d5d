import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load';
import { synthesize } from '../src/app/synth';
import { configJsonSchema } from '../src/config/json-schema';
import { readInstallPlan } from '../src/host/install';
import { DEFAULT_TARGETS, manifestsIn, parseTargetList, TARGET_NAMES, TARGETS, targetOfManifest } from '../src/lib/targets';
import { validateFiles } from '../src/validate/validate';
import { RENDERERS } from '../src/render/targets';
import { tempDir } from './helpers';

/** The files one target writes for the defaults, without the configuration's own JSON Schema. */
const filesOf = (target: string) => synthesize(parseConfig({ targets: [target] })).filter((f) => f.path !== 'config.schema.json');

describe('the target registry (src/lib/targets.ts, renderers in src/render/targets.ts)', () => {
  it('has a renderer for every target and no renderer without a target; each target its own folder', () => {
    expect(TARGET_NAMES).toEqual(expect.arrayContaining([...DEFAULT_TARGETS]));
    expect(Object.keys(RENDERERS).sort()).toEqual([...TARGET_NAMES].sort());
    const folders = TARGET_NAMES.map((t) => TARGETS[t].folder);
    expect(new Set(folders).size).toBe(folders.length);
    // At most one target writes at the top of dist/ (the cdk8s plugin gives it what lies there).
    expect(folders.filter((f) => f === '').length).toBeLessThanOrEqual(1);
  });

  it('tells the validator how to check each target: its manifests are checked in that mode and pass', () => {
    for (const target of TARGET_NAMES.filter((t) => TARGETS[t].checkedAs)) {
      const dir = tempDir();
      for (const f of filesOf(target)) {
        mkdirSync(dirname(join(dir, f.path)), { recursive: true });
        writeFileSync(join(dir, f.path), f.content);
      }
      const { path, folder } = manifestsIn(target, dir);
      const files = folder
        ? readdirSync(path)
            .filter((n) => n.endsWith('.yaml'))
            .map((n) => join(path, n))
        : [path];
      const result = validateFiles(files, { target, podman: 'all' });
      expect(
        result.findings.filter((f) => f.severity === 'error'),
        target,
      ).toEqual([]);
      expect(result.checkedFor).toMatch(TARGETS[target].checkedAs === 'podman' ? /podman/ : /^Kubernetes 1\./);
    }
  });

  it('is what the configuration accepts and describes', () => {
    const targets = (configJsonSchema() as { properties: { targets: { items: { enum: string[] }; description: string } } }).properties.targets;
    expect(targets.items.enum).toEqual(TARGET_NAMES);
    for (const t of TARGET_NAMES) expect(targets.description).toContain(`${t} (${TARGETS[t].writes})`);
  });

  for (const target of TARGET_NAMES) {
    it(`${target}: writes only into its own folder, its manifests among its files`, () => {
      const { folder, manifests } = TARGETS[target];
      const paths = filesOf(target).map((f) => f.path);
      expect(paths.length).toBeGreaterThan(0);
      const others = TARGET_NAMES.map((t) => TARGETS[t].folder).filter((f) => f && f !== folder);
      for (const path of paths) {
        const inFolder = (f: string) => path.startsWith(`${f}/`);
        expect(folder ? inFolder(folder) : !others.some(inFolder), path).toBe(true);
      }
      if (manifests.endsWith('/')) expect(paths.some((p) => p.startsWith(manifests) && p.endsWith('.yaml'))).toBe(true);
      else expect(paths).toContain(manifests);
      // Whatever the folder holds, the cdk8s plugin takes its manifests for this target.
      for (const path of paths.filter((p) => p.endsWith('.yaml'))) expect(targetOfManifest(join('/out', path)), path).toBe(target);
    });
  }

  it('reads a list of targets as synth --target and OMP_TARGETS take it', () => {
    expect(parseTargetList('podman')).toEqual(['podman']);
    expect(parseTargetList(' kubernetes , podman,kubernetes')).toEqual(['kubernetes', 'podman']);
    for (const bad of ['', ',', 'nomad', 'podman,nomad', 'Podman', 'toString', '__proto__']) expect(parseTargetList(bad), bad).toBeUndefined();
  });

  it('says where each target left its manifests in a dist/ folder', () => {
    expect(manifestsIn('podman', 'out')).toEqual({ path: 'out/pod.yaml', folder: false });
    expect(manifestsIn('kubernetes', 'out')).toEqual({ path: 'out/kubernetes', folder: true });
  });

  it('install refuses a dist/ that holds only targets installed by hand, saying how they go live', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'kubernetes'));
    writeFileSync(join(dir, 'kubernetes', 'statefulset.yaml'), '');
    expect(() => readInstallPlan(dir)).toThrow(
      `${dir}/ holds only the Kubernetes target (install and doctor are for the podman target): synth --target podman, or apply ${dir}/kubernetes/ with kubectl`,
    );
  });
});

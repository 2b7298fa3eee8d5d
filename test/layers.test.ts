import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import * as ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The layers of src/, lowest first; the one place the order is declared. A file may import its
 * own folder and any folder of a lower layer, nothing higher and no other folder of its own layer,
 * so each folder can be read knowing only what lies below it. Why this order:
 * - image and validate stand beside the generator (the README: the validator is independent of
 *   it, and checks manifests written by hand too), so they may use lib and nothing else of ours;
 * - config sits above services and model because its schema names each service's secret keys
 *   and the capability names, while the constructs only receive values the schema has checked;
 * - render reads the model (and the configuration's Kubernetes settings); app wires config,
 *   stack, model and renderers into dist/; host reads what app wrote (install.json); cli calls all;
 * - compose (import compose) reads a compose file into declared services: it writes a configuration,
 *   and asks the stack (app) which ports the built-ins take, so it sits above app, and nothing
 *   below it knows of compose.
 * - library (the construct library's public API, lib.ts) is a cdk8s app's way to app, beside cli.
 */
const LAYERS: ReadonlyArray<readonly string[]> = [
  ['lib'],
  ['image', 'validate'],
  ['model'],
  ['services'],
  ['config'],
  ['render'],
  ['app'],
  ['compose'],
  ['host'],
  ['cli', 'library'],
];

const SRC = resolve(__dirname, '..', 'src');

interface Import {
  readonly from: string;
  /** As written in the file, e.g. '../model/pod-model'. */
  readonly spec: string;
  /** The file it names (absolute), or undefined when no file has that name. */
  readonly to: string | undefined;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return sourceFiles(path);
      return name.endsWith('.ts') ? [path] : [];
    });
}

/** The file a relative import names, as TypeScript resolves it here (moduleResolution node). */
function resolveImport(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  return [`${base}.ts`, join(base, 'index.ts'), base].find((p) => existsSync(p) && statSync(p).isFile());
}

/**
 * Relative imports of one file, `import type` and re-exports included: the compiler's own
 * pre-parser finds them, so a comment or a string that looks like an import is not one.
 */
function relativeImports(file: string): Import[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => ({ from: file, spec, to: resolveImport(file, spec) }));
}

const show = (path: string) => relative(join(SRC, '..'), path).split(sep).join('/');

/** The folder right under src/ (undefined for a file directly in src/). */
function folderOf(path: string): string | undefined {
  const parts = relative(SRC, path).split(sep);
  return parts.length > 1 ? parts[0] : undefined;
}

const rank = (folder: string) => LAYERS.findIndex((layer) => layer.includes(folder));
const layerName = (folder: string) => LAYERS[rank(folder)].join('/');

const files = sourceFiles(SRC);
const imports = files.flatMap(relativeImports);

describe('src/ layers', () => {
  it('reads the real import graph', () => {
    // A parser that found nothing would let every check below pass.
    expect(files.length).toBeGreaterThan(40);
    expect(imports.filter((i) => i.to?.startsWith(SRC)).length).toBeGreaterThan(100);
  });

  it('puts every file in a folder of a declared layer, and every declared folder exists', () => {
    const problems = files.flatMap((file) => {
      const folder = folderOf(file);
      if (folder === undefined) return [`${show(file)} is directly in src/: move it into the folder of its layer`];
      return rank(folder) < 0 ? [`${show(file)} is in src/${folder}/, which no layer declares`] : [];
    });
    for (const folder of LAYERS.flat()) {
      if (!existsSync(join(SRC, folder))) problems.push(`src/${folder}/ is declared but does not exist`);
    }
    expect(problems).toEqual([]);
  });

  it('has no import into a higher layer, nor into another folder of the same layer', () => {
    const problems = imports.flatMap(({ from, spec, to }) => {
      if (to === undefined) return [`${show(from)} imports '${spec}', which is no file`];
      if (!to.startsWith(SRC + sep)) return []; // outside src/: imports/ (generated k8s constructs)
      const own = folderOf(from);
      const theirs = folderOf(to);
      if (own === undefined || theirs === undefined || own === theirs || rank(own) < 0 || rank(theirs) < 0) return [];
      if (rank(theirs) > rank(own)) return [`${show(from)} imports '${spec}': ${layerName(own)} may not import ${theirs}, a higher layer`];
      if (rank(theirs) === rank(own)) return [`${show(from)} imports '${spec}': ${own} may not import ${theirs}, a separate folder of the same layer`];
      return [];
    });
    expect(problems).toEqual([]);
  });

  it('has no import cycle (import type counts)', () => {
    const edges = new Map<string, Import[]>();
    for (const i of imports) if (i.to?.startsWith(SRC)) edges.set(i.from, [...(edges.get(i.from) ?? []), i]);
    const cycles: string[] = [];
    const done = new Set<string>();
    const path: string[] = [];
    // Depth-first: an import back into a file still on the path closes a cycle.
    const visit = (file: string): void => {
      path.push(file);
      for (const i of edges.get(file) ?? []) {
        const to = i.to!;
        const at = path.indexOf(to);
        if (at >= 0) cycles.push(`${[...path.slice(at), to].map(show).join(' -> ')} (closed by ${show(file)} importing '${i.spec}')`);
        else if (!done.has(to)) visit(to);
      }
      path.pop();
      done.add(file);
    };
    for (const file of files) if (!done.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});

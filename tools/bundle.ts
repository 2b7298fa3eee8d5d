// npm run bundle (part of npm run build): esbuild bundles the entry points and, apart, each
// command's code, then runs each command once so V8 leaves a code cache beside its chunk.
//
//   build/cli.js               the CLI: answers --version, else loads the program chunk
//   build/main.js              the cdk8s app (cdk8s.yaml, npm run synth): loads the synth chunk
//   build/cdk8s-validation.js  the cdk8s validation plugin: loads the cdk8s-plugin chunk
//   build/chunks/program.js    commander and the options of every command (src/cli/index.ts)
//   build/chunks/<name>.js     one command's code (src/lib/chunk-loader.ts loads it when it runs),
//                              child_process and crypto loaded at first use (tools/lazy-builtins.ts)
//   build/chunks/<name>.<id>.v8  its V8 code cache, written by the runs below (id: the chunk's hash)
//   build/lib/index.js         the construct library (lib.ts, package.json "main"), one bundle; cdk8s
//                              and constructs stay outside it: the app's own (peer dependencies)
import { spawnSync, SpawnSyncOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, BuildOptions, Plugin } from 'esbuild';
import { configJsonSchema } from '../src/config/json-schema';
import { CHUNK_ID_MARK, WRITE_CODE_CACHE_ENV } from '../src/lib/chunk-loader';
import { SCHEMAS, SchemaVersion } from '../src/validate/schemas';
import { precompiledModule, schemaChunk, STANDALONE_PREFIX, standaloneValidators } from './precompile-schemas';
import { deferBuiltins } from './lazy-builtins';
import { importedK8sNames, shakeK8sImports } from './shake-k8s-imports';

const ROOT = join(__dirname, '..');
const BUILD = join(ROOT, 'build');
const CHUNKS = join(BUILD, 'chunks');

const common: BuildOptions = { absWorkingDir: ROOT, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' };

/** Each chunk and its entry point (trainCodeCaches runs the commands that write their code caches). */
const CHUNK_ENTRIES = {
  program: 'src/cli/index.ts',
  synth: 'src/cli/synth.ts',
  validate: 'src/cli/validate.ts',
  install: 'src/cli/install.ts',
  doctor: 'src/cli/doctor.ts',
  image: 'src/cli/image.ts',
  import: 'src/cli/import.ts',
  'cdk8s-plugin': 'src/validate/cdk8s-plugin.ts',
  // Each schema version's validators (tools/precompile-schemas.ts), loaded by validate and the plugin.
  ...Object.fromEntries(Object.keys(SCHEMAS).map((v) => [schemaChunk(v), STANDALONE_PREFIX + v])),
};

/**
 * Source files the bundles hold in another form, computed here once instead of at every run:
 * the schema validators compiled by ajv (~120 ms a validate run) and the configuration's JSON
 * Schema converted by zod (~5 ms a synth). The unit tests run the files themselves.
 */
const PRECOMPUTED: Record<string, () => string> = {
  [join(ROOT, 'src', 'validate', 'schema-compile.ts')]: precompiledModule,
  [join(ROOT, 'src', 'config', 'json-schema.ts')]: () =>
    `export function configJsonSchema() {\n  return JSON.parse(${JSON.stringify(JSON.stringify(configJsonSchema()))});\n}\n`,
};

const precomputed: Plugin = {
  name: 'precomputed',
  setup(b) {
    const namespace = 'precomputed';
    b.onResolve({ filter: /^\./ }, (args) => {
      const path = `${resolve(args.resolveDir, args.path)}.ts`;
      return PRECOMPUTED[path] ? { path, namespace } : undefined;
    });
    b.onResolve({ filter: new RegExp(`^${STANDALONE_PREFIX}`) }, (args) => ({ path: args.path, namespace }));
    b.onLoad({ filter: /.*/, namespace }, (args) => ({
      contents: args.path.startsWith(STANDALONE_PREFIX)
        ? standaloneValidators(args.path.slice(STANDALONE_PREFIX.length) as SchemaVersion)
        : PRECOMPUTED[args.path](),
      // The standalone code requires ajv's small runtime helpers (ajv/dist/runtime/*).
      resolveDir: ROOT,
      loader: 'js',
    }));
  },
};

/** cdk8s-plus-28's L1 constructs, only those src/ imports and what they need (tools/shake-k8s-imports.ts). */
const shakenK8sImports: Plugin = {
  name: 'shaken-k8s-imports',
  setup(b) {
    const names = importedK8sNames(ROOT);
    b.onLoad({ filter: /[\\/]cdk8s-plus-28[\\/]lib[\\/]imports[\\/]k8s\.js$/ }, (args) => ({
      contents: shakeK8sImports(readFileSync(args.path, 'utf8'), readFileSync(args.path.replace(/\.js$/, '.d.ts'), 'utf8'), names),
      loader: 'js',
    }));
  },
};

/**
 * cdk8s's index loads every part of the library, Helm's included, which reads child_process at
 * once; src/ and the L1 constructs use three classes. The bundles take them from their own files,
 * in the index's order (the files require each other in a cycle). A name missing here fails the
 * build (src/ imports them by name); the L1 module reads only ApiObject.
 */
const slimCdk8s: Plugin = {
  name: 'slim-cdk8s',
  setup(b) {
    b.onResolve({ filter: /^cdk8s$/ }, () => ({ path: 'cdk8s', namespace: 'slim-cdk8s' }));
    b.onLoad({ filter: /.*/, namespace: 'slim-cdk8s' }, () => ({
      contents: ["export { ApiObject } from 'cdk8s/lib/api-object';", "export { Chart } from 'cdk8s/lib/chart';", "export { App } from 'cdk8s/lib/app';"].join(
        '\n',
      ),
      resolveDir: ROOT,
      loader: 'js',
    }));
  },
};

async function main(): Promise<void> {
  // A code cache must never outlive its chunk: all go, and only this build's runs write new ones.
  rmSync(CHUNKS, { recursive: true, force: true });
  await build({ ...common, entryPoints: { cli: 'src/cli/bin.ts', main: 'main.ts', 'cdk8s-validation': 'src/validate/cdk8s-validation.ts' }, outdir: BUILD });
  await build({ ...common, entryPoints: CHUNK_ENTRIES, outdir: CHUNKS, plugins: [precomputed, shakenK8sImports, slimCdk8s] });
  // The app's constructs must be the library's (one construct tree), so both come from the app.
  await build({
    ...common,
    entryPoints: { index: 'lib.ts' },
    outdir: join(BUILD, 'lib'),
    external: ['cdk8s', 'constructs'],
    plugins: [precomputed, shakenK8sImports],
  });
  for (const name of Object.keys(CHUNK_ENTRIES)) {
    const file = join(CHUNKS, `${name}.js`);
    const text = deferBuiltins(readFileSync(file, 'utf8')).text;
    // Names the chunk's code cache (src/lib/chunk-loader.ts).
    writeFileSync(file, `${text}${CHUNK_ID_MARK}${createHash('sha256').update(text).digest('hex').slice(0, 16)}\n`);
  }
  trainCodeCaches();
}

/**
 * Runs each command as a user would, in a temporary folder, with the loader told to write the
 * chunk's code cache at exit: the cache then holds every function that run compiled. Both targets
 * are synthesized and validated so the Kubernetes renderer and rules are in the caches too.
 */
function trainCodeCaches(): void {
  const dir = mkdtempSync(join(tmpdir(), 'omp-bundle-'));
  try {
    const opts: SpawnSyncOptions = { cwd: dir, env: { ...process.env, [WRITE_CODE_CACHE_ENV]: '1' }, encoding: 'utf8' };
    const run = (what: string, args: string[], okCodes = [0]) => {
      const r = spawnSync(process.execPath, args, opts);
      if (r.status === null || !okCodes.includes(r.status)) throw new Error(`bundle: ${what} failed (exit ${r.status}):\n${r.stderr}`);
    };
    writeFileSync(join(dir, 'opencode-memory-pod.yaml'), 'targets: [podman, kubernetes]\n');
    run('synth', [join(BUILD, 'cli.js'), 'synth', '--out', 'dist']);
    // Findings at error level exit 1; the defaults have none today, but the cache does not care.
    run('validate --schema 1.33', [join(BUILD, 'cli.js'), 'validate', '--podman', 'all', '--schema', '1.33'], [0, 1]);
    run('validate', [join(BUILD, 'cli.js'), 'validate', '--podman', 'all'], [0, 1]);
    run('install', [join(BUILD, 'cli.js'), 'install', '--dry-run', '--root', 'root']);
    const plugin = `
      const { PodmanValidation } = require(${JSON.stringify(join(BUILD, 'cdk8s-validation.js'))});
      const fs = require('node:fs');
      const manifests = ['dist/pod.yaml', ...fs.readdirSync('dist/kubernetes').map((f) => 'dist/kubernetes/' + f)];
      const report = { addViolation() {}, submit() {} };
      new PodmanValidation({ podman: 'all' }).validate({ manifests, logger: { log() {} }, report });
    `;
    run('cdk8s plugin', ['-e', plugin]);
    // Last, so the program's cache holds what --help runs (commander's help) besides what every command runs.
    run('--help', [join(BUILD, 'cli.js'), '--help']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const missing = ['program', 'synth', 'validate', 'install', 'cdk8s-plugin', ...Object.keys(SCHEMAS).map(schemaChunk)].filter(
    (name) => !readdirSync(CHUNKS).some((f) => f.startsWith(`${name}.`) && f.endsWith('.v8')),
  );
  if (missing.length) throw new Error(`bundle: no code cache written for ${missing.join(', ')}`);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});

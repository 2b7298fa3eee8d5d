import { isAscii } from 'node:buffer';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import * as vm from 'node:vm';

/** Set by the build (tools/bundle.ts) while it runs each command once: write the code cache at exit. */
export const WRITE_CODE_CACHE_ENV = 'OMP_WRITE_CODE_CACHE';
/** Set to 1 to load every chunk without its code cache (to measure what the cache saves). */
export const NO_CODE_CACHE_ENV = 'OMP_NO_CODE_CACHE';
/** The last line of every chunk: `//# chunk-id <hash of the rest>` (tools/bundle.ts). */
export const CHUNK_ID_MARK = '//# chunk-id ';

/**
 * Loads build/chunks/<name>.js: the bundle of the CLI's program, of one command or of the cdk8s
 * plugin, which the entry bundles (build/cli.js, build/main.js, build/cdk8s-validation.js) and
 * the program load only when it is needed, so `--help` does not compile the code of synth. Only
 * ever runs bundled: the entries live in build/, the chunks in build/chunks/.
 *
 * V8 compiles the chunk from the code cache the build wrote beside it (`<name>.<chunk id>.v8`,
 * made after a real run, so it holds the functions that run needed too): parsing and compiling a
 * bundle of a megabyte or more was most of a command's start-up. Node 20 has no
 * module.enableCompileCache, hence vm.Script. The cache is named by the hash of the chunk it was
 * made from, which the chunk's last line gives: a rebuilt chunk never meets an old cache, and a
 * copied build keeps its caches. The cache is only read here, never written at run time (no shared
 * temporary folder, nothing created by a root run in the user's checkout). V8 refuses one made by
 * another node version or for other flags: the chunk is then compiled from its source, as require
 * would.
 */
export function loadChunk(name: string): unknown {
  // Called from an entry in build/ or from a chunk (the program loads the commands' chunks).
  const dir = basename(__dirname) === 'chunks' ? __dirname : join(__dirname, 'chunks');
  const file = join(dir, `${name}.js`);
  const bytes = readFileSync(file);
  // esbuild writes ASCII (charset: ascii) but for a comment here and there: as latin1 it needs no decoding.
  const source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
  const id = source.slice(source.lastIndexOf(CHUNK_ID_MARK) + CHUNK_ID_MARK.length).trim();
  const cacheFile = join(dir, `${name}.${/^[0-9a-f]{16}$/.test(id) ? id : 'unknown'}.v8`);
  const cachedData = process.env[NO_CODE_CACHE_ENV] === '1' ? undefined : readIfThere(cacheFile);
  // The wrapper node's CommonJS loader puts around a module; on one line, so line numbers hold.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
    // A chunk has no import() today; should one come, it resolves as it would under require.
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (process.env[WRITE_CODE_CACHE_ENV] === '1') process.once('exit', () => writeFileSync(cacheFile, script.createCachedData()));
  const module = { exports: {} as unknown };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dir);
  return module.exports;
}

function readIfThere(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

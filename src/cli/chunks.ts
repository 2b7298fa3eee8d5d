import { loadChunk } from '../lib/chunk-loader';

/** Each command's code, bundled apart (tools/bundle.ts) and loaded when the command runs. */
interface Chunks {
  synth: typeof import('./synth');
  validate: typeof import('./validate');
  install: typeof import('./install');
  doctor: typeof import('./doctor');
  image: typeof import('./image');
  import: typeof import('./import');
}

/** The code of one command, from build/chunks/ (the CLI and main.ts run bundled only). */
export function chunk<K extends keyof Chunks>(name: K): Chunks[K] {
  return loadChunk(name) as Chunks[K];
}

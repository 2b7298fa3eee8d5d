import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The project's root folder (holding package.json and runtime/), from source or from build/. */
export function packageRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'runtime', 'launch.sh'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the runtime/ folder of opencode-memory-pod');
    dir = up;
  }
  return dir;
}

// Apart from load.ts, which brings js-yaml and the zod schema: --help names this file and should
// not load either.

/** Configuration file read when none is named. */
export const DEFAULT_CONFIG_FILE = 'opencode-memory-pod.yaml';

import * as z from 'zod/mini';
import { configSchema } from './schema';

/**
 * JSON Schema of the configuration file (dist/config.schema.json), for editor completion. The
 * bundles hold it as computed at build time (tools/bundle.ts): zod's conversion took ~5 ms of
 * every synth, for the same schema every time.
 */
export function configJsonSchema(): unknown {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'opencode-memory-pod configuration',
  };
}

import { existsSync, readFileSync } from 'node:fs';
import * as yaml from 'js-yaml';
import type { core } from 'zod';
import { ConfigError, ConfigProblem } from '../lib/config-error';
import { Config, configSchema } from './schema';

/** Configuration file read when none is named. */
export const DEFAULT_CONFIG_FILE = 'opencode-memory-pod.yaml';

/** The file a command reads: the one named, else ./opencode-memory-pod.yaml if present, else none (built-in defaults). */
export function configPathOrDefault(named?: string): string | undefined {
  return named ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
}

/**
 * Reads and validates a YAML configuration file. No path means the built-in defaults.
 * Throws ConfigError naming every bad field, its value and what is allowed.
 */
export function loadConfigFile(path?: string): Config {
  if (!path) return parseConfig(undefined, 'built-in defaults');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError([{ field: '', value: path, allowed: `the file cannot be read (${(e as NodeJS.ErrnoException).code ?? e})` }], path);
  }
  let data: unknown;
  try {
    data = yaml.load(text, { filename: path, schema: yaml.CORE_SCHEMA });
  } catch (e) {
    throw new ConfigError([{ field: '', value: undefined, allowed: `the file is not valid YAML: ${(e as Error).message.split('\n')[0]}` }], path);
  }
  return parseConfig(data ?? undefined, path);
}

/** Validates an already parsed configuration object (undefined = all defaults). */
export function parseConfig(data: unknown, source?: string): Config {
  if (data !== undefined && (typeof data !== 'object' || data === null || Array.isArray(data))) {
    throw new ConfigError([{ field: '', value: data, allowed: 'the configuration must be a YAML mapping (key: value)' }], source);
  }
  const result = configSchema.safeParse(data);
  if (!result.success) {
    throw new ConfigError(result.error.issues.flatMap((issue) => describeIssue(issue, data)), source);
  }
  return result.data;
}

function describeIssue(issue: core.$ZodIssue, data: unknown): ConfigProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      field: [...issue.path, key].join('.'),
      value: valueAt(data, [...issue.path, key]),
      allowed: `unknown field; allowed here: ${allowedKeys(issue.path).join(', ')}`,
    }));
  }
  let allowed = issue.message;
  if (issue.code === 'invalid_type') allowed = `must be ${issue.expected}`;
  if (issue.code === 'invalid_value') allowed = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return [{ field: issue.path.join('.'), value: valueAt(data, issue.path), allowed }];
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = data;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** The field names the schema allows at `path` (every level is an object, wrapped in defaults). */
function allowedKeys(path: readonly PropertyKey[]): string[] {
  let node: unknown = configSchema;
  for (const key of [...path, undefined]) {
    // Unwrap .prefault()/.default()/.optional() until the object schema itself.
    while (node && !('shape' in (node as object)) && typeof (node as { unwrap?: unknown }).unwrap === 'function') {
      node = (node as { unwrap(): unknown }).unwrap();
    }
    const shape = (node as { shape?: Record<string, unknown> } | undefined)?.shape;
    if (!shape) return [];
    if (key === undefined) return Object.keys(shape);
    node = shape[String(key)];
  }
  return [];
}

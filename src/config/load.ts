import { readFileSync } from 'node:fs';
import * as yaml from 'js-yaml';
import type { core } from 'zod';
import { ConfigError, ConfigProblem } from './config-error';
import { Config, configSchema } from './schema';

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
    throw new ConfigError(path, [{ field: '', value: path, allowed: `the file cannot be read (${(e as NodeJS.ErrnoException).code ?? e})` }]);
  }
  let data: unknown;
  try {
    data = yaml.load(text, { filename: path, schema: yaml.CORE_SCHEMA });
  } catch (e) {
    throw new ConfigError(path, [{ field: '', value: undefined, allowed: `the file is not valid YAML: ${(e as Error).message.split('\n')[0]}` }]);
  }
  return parseConfig(data ?? undefined, path);
}

/** Validates an already parsed configuration object (undefined = all defaults). */
export function parseConfig(data: unknown, source = 'configuration'): Config {
  if (data !== undefined && (typeof data !== 'object' || data === null || Array.isArray(data))) {
    throw new ConfigError(source, [{ field: '', value: data, allowed: 'the configuration must be a YAML mapping (key: value)' }]);
  }
  const result = configSchema.safeParse(data);
  if (!result.success) {
    throw new ConfigError(source, result.error.issues.flatMap((issue) => describeIssue(issue, data)));
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

function allowedKeys(path: readonly PropertyKey[]): string[] {
  // Walk the defaults: every object level of the schema has a complete default.
  let cur: unknown = configSchema.parse(undefined);
  for (const key of path) cur = (cur as Record<PropertyKey, unknown>)[key];
  const keys = Object.keys(cur as object);
  if (path.length >= 2 && path[0] === 'services') {
    // optional fields have no default value; list them from the schema shape
    const shape = (configSchema.unwrap().shape.services.unwrap().shape as Record<string, { unwrap(): { shape: object } }>)[
      String(path[1])
    ];
    if (shape) return Object.keys(shape.unwrap().shape);
  }
  return keys;
}

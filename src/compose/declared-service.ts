/*
 * What the importer writes: declared services in the shape the lead fixed for issue 22 (the
 * configuration's `services:` map, beside the built-ins), as plain interfaces in the order a user
 * reads them; src/config/declared-schema.ts is the schema that judges them (test/compose-config.test.ts
 * holds the two together on real compose files).
 */

/** services.<name>.ports[]: a port the service listens on inside the pod, published when hostPort is set. */
export interface DeclaredPort {
  containerPort: number;
  hostPort?: number;
  hostIP?: string;
  name?: string;
}

/** services.<name>.health: exactly one of tcp, http, resp, command, and optional timings. */
export interface DeclaredHealth {
  tcp?: number;
  http?: { port: number; path: string };
  resp?: number;
  command?: string[];
  timeoutSeconds?: number;
  intervalSeconds?: number;
  retries?: number;
  startPeriodSeconds?: number;
}

/** services.<name>.mounts[]: a host path mounted into the container. */
export interface DeclaredMount {
  hostPath: string;
  mountPath: string;
  /** Data the service keeps: install creates the folder, doctor checks it, uninstall keeps it. */
  persistent: boolean;
  readOnly: boolean;
}

/** One declared service, as the configuration file holds it. */
export interface DeclaredService {
  image?: string;
  /** The image's ENTRYPOINT + CMD as the launcher must exec them (required; missing = a TODO the validation reports). */
  command?: string[];
  args?: string[];
  env?: Record<string, string>;
  secretKeys?: string[];
  ports?: DeclaredPort[];
  health?: DeclaredHealth;
  after?: string[];
  mounts?: DeclaredMount[];
  startTimeoutSeconds?: number;
  memoryLimit?: string;
  capabilities?: string[];
  runAs?: string;
}

/** The fields of a declared service in the order the importer writes them. */
export const DECLARED_FIELDS: readonly (keyof DeclaredService)[] = [
  'image',
  'command',
  'args',
  'env',
  'secretKeys',
  'ports',
  'health',
  'after',
  'mounts',
  'startTimeoutSeconds',
  'memoryLimit',
  'capabilities',
  'runAs',
];

export { BUILT_IN_SERVICES, SERVICE_NAME } from '../config/declared-schema';

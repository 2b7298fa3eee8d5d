// The construct library (package.json "main"/"types"): a cdk8s app of your own builds the memory
// stack, adds services in TypeScript, and writes the same dist/ as the CLI's synth (README "A
// construct library"). Everything public is exported here, and only here.
export { MemoryStack } from './src/library/memory-stack';
export type { DistFile, DistResult, MemoryStackProps } from './src/library/memory-stack';
export { DeclaredService } from './src/library/declared-service';
export type * from './src/library/config-types';
import type { DeclaredServiceProps } from './src/library/config-types';
/** Programs an image may have for a `tcp`, `http` or `resp` check (DeclaredServiceProps.tools). */
export type HealthTool = NonNullable<DeclaredServiceProps['tools']>[number];
/** A Linux capability name without CAP_, e.g. `CHOWN` (DeclaredServiceProps.capabilities). */
export type CapabilityName = NonNullable<DeclaredServiceProps['capabilities']>[number];
export { ConfigError } from './src/lib/config-error';
export type { ConfigProblem } from './src/lib/config-error';

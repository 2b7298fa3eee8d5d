// Here and not in synth.ts, which collects the files: renderers return them, and a renderer
// importing synth.ts (which imports the renderers) was a cycle.

/** One file of dist/. */
export interface GeneratedFile {
  /** Path relative to dist/. */
  readonly path: string;
  readonly content: string;
  readonly mode: number;
}

// Here and not in app/synth.ts, which collects the files: renderers return them, and a renderer
// importing app/synth.ts went up a layer and closed a cycle (app/synth.ts imports the renderers).

/** One file of dist/. */
export interface GeneratedFile {
  /** Path relative to dist/. */
  readonly path: string;
  readonly content: string;
  readonly mode: number;
}

/*
 * Which OpenCode image the pod runs, and how its entrypoint must be started. Shared by the stack
 * (what the pod runs), `image build` (what it makes) and `doctor` (how to get a missing image).
 */

/** Repository of the image `opencode-memory-pod image build` makes. */
export const BUILT_OPENCODE_REPOSITORY = 'localhost/opencode-server';

/** Where the built image carries its init (Debian's tini package). */
export const TINI_PATH = '/usr/bin/tini';

/** The image `image build` makes for an OpenCode release. */
export function builtOpenCodeImage(version: string): string {
  return `${BUILT_OPENCODE_REPOSITORY}:${version}`;
}

/** True when the image is one `image build` makes (and so carries tini). */
export function isBuiltOpenCodeImage(image: string): boolean {
  return image.startsWith(`${BUILT_OPENCODE_REPOSITORY}:`);
}

/** The opencode part of the configuration that decides the image. */
export interface OpenCodeImageSettings {
  readonly version: string;
  readonly image?: string;
  readonly init?: 'tini' | 'none';
}

/** The image to run and the argv put in front of `opencode` (the init, if any). */
export function resolveOpenCodeImage(s: OpenCodeImageSettings): { readonly image: string; readonly init: readonly string[] } {
  const image = s.image ?? builtOpenCodeImage(s.version);
  // As PID 1 of its container OpenCode ignores SIGTERM (no handler, and the kernel drops default
  // actions for PID 1): every stop would wait the whole grace period. tini forwards the signal.
  const init = s.init ?? (isBuiltOpenCodeImage(image) ? 'tini' : 'none');
  return { image, init: init === 'tini' ? [TINI_PATH, '--'] : [] };
}

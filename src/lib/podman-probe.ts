import { ChildProcess, execFile, execFileSync } from 'node:child_process';

// `podman --version` is a process of its own: about 45 ms (a Go binary), half of node's own start.

const OPTIONS = { encoding: 'utf8', timeout: 10_000 } as const;

/** What `podman --version` prints, or undefined when there is no podman or it does not answer. */
export function podmanVersionText(): string | undefined {
  try {
    return execFileSync('podman', ['--version'], { ...OPTIONS, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

/** podmanVersionText, run in the background: the caller works meanwhile (on the other core) and awaits `text` when it needs it. */
export interface PodmanProbe {
  readonly text: Promise<string | undefined>;
  /** Ends it when its answer is not needed after all (the process would otherwise wait for it). */
  cancel(): void;
}

export function startPodmanProbe(): PodmanProbe {
  let child: ChildProcess | undefined;
  const text = new Promise<string | undefined>((resolve) => {
    child = execFile('podman', ['--version'], OPTIONS, (error, stdout) => resolve(error ? undefined : stdout));
    child.stdin?.end();
  });
  return { text, cancel: () => child?.kill() };
}

// Apart from systemd-units.ts because systemd-watchdog.ts needs these types and systemd-units.ts
// needs the watchdog: keeping them there made the two files import each other.

/** A generated file: where it goes in dist/, where `install` puts it on the host, its mode. */
export interface UnitFile {
  /** Path relative to dist/. */
  readonly distPath: string;
  /** Absolute path on the host. */
  readonly installPath: string;
  readonly content: string;
  readonly mode: number;
  /** Installed only with this unit kind (both kinds would run the pod twice); unset: always. */
  readonly unitKind?: UnitKind;
  /** The unit that runs it: `install` restarts that unit when the file changes (the pod's unit restarts its watchdog too, PartOf=). */
  readonly runBy: RunBy;
}

/** The pod's unit (podman-kube@ or the Quadlet's), or the watchdog's service. */
export type RunBy = 'pod' | 'watchdog';

/** podman's podman-kube@ template with our drop-in (every podman), or a Quadlet unit (4.4+). */
export const UNIT_KINDS = ['podman-kube', 'quadlet'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

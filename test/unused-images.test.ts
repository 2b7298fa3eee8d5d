import { describe, expect, it } from 'vitest';
import type { DoctorHost } from '../src/host/doctor-host';
import { checkUnusedImages, repositoryOf } from '../src/host/unused-images';
import type { InstallPlan } from '../src/render/podman-files';

const VALKEY = 'docker.io/valkey/valkey:7.2.14';
const OPENCODE = 'localhost/opencode-server:1.18.34';

/** Only what checkUnusedImages reads of the plan. */
function plan(images: string[]): InstallPlan {
  return { images: images.map((image) => ({ service: image.includes('opencode') ? 'opencode' : 'valkey', image, get: '' })) } as unknown as InstallPlan;
}

/** A podman with these images (repository, tag, id), and containers made from `containerIds`. */
function host(images: Array<[string, string, string]>, containerIds: string[] = []): DoctorHost & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    systemdRunning: () => false,
    memoryController: () => true,
    run(cmd, args) {
      calls.push(`${cmd} ${args.join(' ')}`);
      if (cmd !== 'podman') return undefined;
      if (args[0] === 'images') return { status: 0, stdout: images.map(([r, t, id]) => `${r}|${t}|sha256:${id.padEnd(64, '0')}|530 MB\n`).join('') };
      if (args[0] === 'image' && args[1] === 'inspect') {
        const name = args.at(-1)!.split('@')[0];
        const hit = images.find(([r, t]) => `${r}:${t}` === name);
        return hit ? { status: 0, stdout: `${hit[2].padEnd(64, '0')}\n` } : { status: 125, stdout: '' };
      }
      if (args[0] === 'ps') return { status: 0, stdout: containerIds.map((id) => `${id.padEnd(64, '0')}\n`).join('') };
      return undefined;
    },
  };
}

const rmiLines = (checks: ReturnType<typeof checkUnusedImages>) => checks.map((c) => c.fix);

describe('doctor: images nothing uses any more', () => {
  it('names an older OpenCode build and an older tag of a configured store image, each with its podman rmi line, as a note', () => {
    const h = host([
      ['localhost/opencode-server', '1.18.34', 'aaa1'],
      ['localhost/opencode-server', '1.18.33', 'aaa2'],
      ['docker.io/valkey/valkey', '7.2.14', 'bbb1'],
      ['docker.io/valkey/valkey', '7.2.13', 'bbb2'],
    ]);
    const checks = checkUnusedImages(plan([VALKEY, OPENCODE]), [], h);
    expect(rmiLines(checks)).toEqual(['podman rmi localhost/opencode-server:1.18.33', 'podman rmi docker.io/valkey/valkey:7.2.13']);
    expect(checks.every((c) => c.severity === 'info')).toBe(true);
    expect(checks[0].message).toBe(
      'image localhost/opencode-server:1.18.33 (530 MB) is used by no configuration here (not by dist/, by no installed pod, by no container): going back to it needs it; else it only takes space',
    );
  });

  it('never names an image of another repository, an untagged one, one an installed pod or a container uses, or another tag of an image in use', () => {
    const h = host(
      [
        ['localhost/opencode-server', '1.18.34', 'aaa1'],
        ['localhost/opencode-server', 'mine', 'aaa1'], // another name of the image in use
        ['localhost/opencode-server', '1.19.5', 'aaa3'], // another installed pod runs it
        ['localhost/opencode-server', '1.18.20', 'aaa4'], // a container was made from it
        ['localhost/opencode-server', '<none>', 'aaa5'],
        ['docker.io/valkey/valkey-extra', '1.0.0', 'ccc1'],
        ['docker.io/library/debian', 'bookworm-20261005-slim', 'ddd1'],
        ['localhost/omp-e2e/valkey-never-ready', '1', 'eee1'],
      ],
      ['aaa4'],
    );
    expect(checkUnusedImages(plan([VALKEY, OPENCODE]), ['localhost/opencode-server:1.19.5'], h)).toEqual([]);
  });

  it('a digest-pinned configured image counts by its repository and tag; other tags of it are named', () => {
    const pinned = `docker.io/valkey/valkey:7.2.14@sha256:${'f'.repeat(64)}`;
    const h = host([
      ['docker.io/valkey/valkey', '7.2.14', 'bbb1'],
      ['docker.io/valkey/valkey', '7.2', 'bbb9'],
    ]);
    expect(rmiLines(checkUnusedImages(plan([pinned]), [], h))).toEqual(['podman rmi docker.io/valkey/valkey:7.2']);
    expect(repositoryOf(pinned)).toBe('docker.io/valkey/valkey');
    expect(repositoryOf('registry.example:5000/team/opencode')).toBe('registry.example:5000/team/opencode');
  });

  it('asks podman for each image in use once, though dist/ and the installed receipt name the same ones', () => {
    const h = host([['docker.io/valkey/valkey', '7.2.14', 'bbb1']]);
    checkUnusedImages(plan([VALKEY, OPENCODE]), [VALKEY, OPENCODE], h);
    expect(h.calls.filter((c) => c.startsWith('podman image inspect'))).toEqual([
      `podman image inspect --format {{.Id}} ${VALKEY}`,
      `podman image inspect --format {{.Id}} ${OPENCODE}`,
    ]);
  });

  it('says nothing when podman cannot list its images', () => {
    const h: DoctorHost = { systemdRunning: () => false, memoryController: () => true, run: () => undefined };
    expect(checkUnusedImages(plan([VALKEY]), [], h)).toEqual([]);
  });
});

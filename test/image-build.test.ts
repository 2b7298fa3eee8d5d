import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load';
import { runImageBuild } from '../src/cli/image';
import { OPENCODE_IMAGE_APPLETS, OPENCODE_IMAGE_TOOLS, renderOpenCodeContainerfile } from '../src/image/opencode-containerfile';
import { resolveOpenCodeImage } from '../src/image/opencode-image';
import { binaryVersion, fetchRelease, hostArch, ReleaseError } from '../src/image/opencode-release';
import { buildModel } from '../src/app/synth';
import { tempDir } from './helpers';

/** A release tarball laid out like the npm package (package/bin/opencode), holding a script. */
function fakeRelease(dir: string, version: string, layout = 'package/bin/opencode'): string {
  const root = join(dir, 'src');
  mkdirSync(join(root, layout, '..'), { recursive: true });
  writeFileSync(join(root, layout), `#!/bin/sh\n[ "$1" = --version ] && echo ${version}\n`);
  chmodSync(join(root, layout), 0o755);
  const tgz = join(dir, 'release.tgz');
  execFileSync('tar', ['-czf', tgz, '-C', root, layout.split('/')[0]]);
  return tgz;
}

describe('OpenCode image', () => {
  it('defaults to the versioned local build started through tini; another image runs opencode directly', () => {
    const oc = (services: unknown) => buildModel(parseConfig({ services: { opencode: services } })).stages.find((s) => s.spec.name === 'opencode')!.spec;
    expect(oc({})).toMatchObject({ image: 'localhost/opencode-server:1.18.34', entrypoint: ['/usr/bin/tini', '--', 'opencode'] });
    expect(oc({ version: '1.19.0' }).image).toBe('localhost/opencode-server:1.19.0');
    expect(oc({ image: 'ghcr.io/anomalyco/opencode:1.18.34' }).entrypoint).toEqual(['opencode']);
    expect(oc({ image: 'ghcr.io/anomalyco/opencode:1.18.34', init: 'tini' }).entrypoint).toEqual(['/usr/bin/tini', '--', 'opencode']);
    expect(resolveOpenCodeImage({ version: '1.18.34', init: 'none' }).init).toEqual([]);
    expect(() => parseConfig({ services: { opencode: { version: 'latest' } } })).toThrow(/services\.opencode\.version.*must be an OpenCode release version/);
  });

  it('Containerfile: the official contract (entrypoint opencode behind tini, root, HOME=/root) and a check for every tool', () => {
    const text = renderOpenCodeContainerfile();
    expect(text).toMatch(/^ARG BASE=docker\.io\/library\/debian:bookworm-20261005-slim\nFROM \$\{BASE\}$/m);
    expect(text).toContain('ENTRYPOINT ["/usr/bin/tini", "--", "opencode"]');
    expect(text).toContain('ENV HOME=/root');
    expect(text).not.toMatch(/^(USER|WORKDIR|CMD)\b/m);
    for (const t of OPENCODE_IMAGE_TOOLS)
      expect(text).toMatch(new RegExp(`for tool in [a-z0-9 ]*\\b${t.command}\\b[a-z0-9 ]*; do command -v "\\$tool" >/dev/null 2>&1 \\|\\| missing`));
    for (const t of OPENCODE_IMAGE_APPLETS) expect(text).toMatch(new RegExp(`for applet in [a-z ]*\\b${t.command}\\b`));
    expect(text).toMatch(/missing after install: \$tool/);
  });

  it('takes the binary from a release tarball (npm layout or a bare release) and checks its version', () => {
    for (const layout of ['package/bin/opencode', 'opencode']) {
      const dir = tempDir();
      const got = fetchRelease({ version: '9.9.9', arch: 'amd64', tarball: fakeRelease(dir, '9.9.9', layout) }, join(dir, 'work'), () => {});
      expect(got.source).toBe('file:release.tgz');
      expect(got.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
      if (hostArch() === 'amd64') expect(binaryVersion(got.binary, 'amd64', join(dir, 'home'))).toBe('9.9.9');
      expect(binaryVersion(got.binary, hostArch() === 'amd64' ? 'arm64' : 'amd64', dir)).toBeUndefined();
    }
  });

  it('refuses a tarball without the binary, a missing tarball, and an offline fetch with an empty cache', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'x'), 'x');
    execFileSync('tar', ['-czf', join(dir, 'empty.tgz'), '-C', dir, 'x']);
    expect(() => fetchRelease({ version: '1.0.0', arch: 'amd64', tarball: join(dir, 'empty.tgz') }, join(dir, 'w1'), () => {})).toThrow(
      /holds no opencode binary/,
    );
    expect(() => fetchRelease({ version: '1.0.0', arch: 'amd64', tarball: join(dir, 'nope.tgz') }, join(dir, 'w2'), () => {})).toThrow(ReleaseError);
    expect(() => fetchRelease({ version: '1.18.34', arch: 'amd64', npmCache: join(dir, 'empty-cache'), offline: true }, join(dir, 'w3'), () => {})).toThrow(
      /offline: is it in the npm cache\?/,
    );
  });

  it('image build: a version that does not match the binary exits 1; a custom image without --tag exits 2, naming the field', () => {
    const dir = tempDir();
    const errors: string[] = [];
    const tgz = fakeRelease(dir, '9.9.9');
    writeFileSync(join(dir, 'c.yaml'), 'services:\n  opencode:\n    version: 1.2.3\n');
    if (hostArch() === 'amd64') {
      expect(
        runImageBuild(
          { config: join(dir, 'c.yaml'), tarball: tgz, tag: `localhost/omp-test-never-built-${process.pid}:1`, offline: true },
          () => {},
          (l) => errors.push(l),
        ),
      ).toBe(1);
      expect(errors.join('\n')).toContain('the release binary says it is 9.9.9, not 1.2.3');
    }
    writeFileSync(join(dir, 'd.yaml'), 'services:\n  opencode:\n    image: ghcr.io/anomalyco/opencode:1.18.34\n');
    expect(
      runImageBuild(
        { config: join(dir, 'd.yaml') },
        () => {},
        (l) => errors.push(l),
      ),
    ).toBe(2);
    expect(errors.at(-1)).toMatch(/services\.opencode\.image is ghcr\.io\/anomalyco\/opencode:1\.18\.34, which image build does not make/);
    // An invalid configuration: exit 2, its error names the file and the field.
    writeFileSync(join(dir, 'e.yaml'), 'services:\n  opencode:\n    version: latest\n');
    expect(
      runImageBuild(
        { config: join(dir, 'e.yaml') },
        () => {},
        (l) => errors.push(l),
      ),
    ).toBe(2);
    expect(errors.at(-1)).toMatch(/invalid configuration in .*e\.yaml:\n  - services\.opencode\.version: got "latest"/);
  });

  it('--context writes the Containerfile and the binary and prints the podman build line, building nothing', () => {
    const dir = tempDir();
    const lines: string[] = [];
    writeFileSync(join(dir, 'c.yaml'), 'services:\n  opencode:\n    version: 9.9.9\n');
    expect(
      runImageBuild({ config: join(dir, 'c.yaml'), tarball: fakeRelease(dir, '9.9.9'), context: join(dir, 'ctx'), arch: hostArch() ?? 'amd64' }, (l) =>
        lines.push(l),
      ),
    ).toBe(0);
    const text = lines.join('\n');
    expect(text).toMatch(
      /podman build --platform linux\/(amd64|arm64) --build-arg BASE=docker\.io\/library\/debian:bookworm-20261005-slim .*--label org\.opencontainers\.image\.version=9\.9\.9 .*-t localhost\/opencode-server:9\.9\.9 -f .*ctx\/Containerfile .*ctx$/m,
    );
    expect(
      execFileSync('sh', ['-c', `ls ${join(dir, 'ctx')}`], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean),
    ).toEqual(['Containerfile', 'opencode']);
  });
});

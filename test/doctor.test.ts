import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { doctor } from '../src/doctor';
import { compareVersions, describeRange, parsePodmanVersion } from '../src/podman-version';
import { InstallPlan } from '../src/synth';
import { tempDir } from './helpers';

function plan(dir: string, port: number): InstallPlan {
  return {
    podName: `omp-doctor-test-${process.pid}`,
    envFile: join(dir, 'opencode.env'),
    unit: 'x.service',
    quadletUnit: 'y.service',
    files: [],
    dataDirs: [join(dir, 'data', 'valkey')],
    requiredEnvKeys: ['DD_API_KEY', 'OPENCODE_SERVER_PASSWORD'],
    hostMounts: [{ service: 'datadog', path: join(dir, 'podman.sock'), type: 'Socket' }],
    hostPorts: [{ service: 'valkey', address: '127.0.0.1', port }],
  };
}

describe('doctor', () => {
  it('reads and compares podman versions numerically (shared with validate)', () => {
    const v = (text: string) => parsePodmanVersion(text)!;
    expect(v('podman version 5.4.2')).toEqual({ major: 5, minor: 4, patch: 2 });
    expect(v('4.9')).toEqual({ major: 4, minor: 9, patch: 0 });
    expect(parsePodmanVersion('podman')).toBeUndefined();
    expect(compareVersions(v('4.3.1'), v('4.10.0'))).toBeLessThan(0);
    expect(compareVersions(v('5.4.2'), v('4.3.1'))).toBeGreaterThan(0);
    expect(compareVersions(v('4.3.1'), v('4.3.1'))).toBe(0);
    expect(describeRange({ from: '4.3.0', before: '4.4.0' })).toBe('podman 4.3.x');
    expect(describeRange({ from: '4.3.0', before: '4.8.0' })).toBe('podman 4.3.0-4.7.x');
    expect(describeRange({ before: '4.4.0' })).toBe('podman before 4.4.0');
  });

  it('reports each problem with a fix: socket, env file mode and keys, taken port', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'opencode.env'), 'DD_API_KEY=abc\nbroken line\n', { mode: 0o644 });
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const findings = await doctor(plan(dir, port), join(dir, 'pod.yaml'));
      const bad = findings.filter((f) => !f.ok).map((f) => `${f.what} | ${f.fix}`);
      expect(bad).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/podman\.sock does not exist \| systemctl enable --now podman\.socket/),
          expect.stringMatching(/mode 644: others can read the secrets \| chmod 600/),
          expect.stringMatching(/does not set OPENCODE_SERVER_PASSWORD/),
          expect.stringMatching(/line 2 is skipped \(no '='\)/),
          expect.stringMatching(new RegExp(`127\\.0\\.0\\.1:${port} \\(valkey\\) is already in use`)),
          expect.stringMatching(/pod\.yaml is not installed/),
        ]),
      );
      expect(findings.filter((f) => f.ok).map((f) => f.what)).toEqual(expect.arrayContaining(['env file sets DD_API_KEY']));
      expect(JSON.stringify(findings)).not.toContain('abc');
    } finally {
      server.close();
    }
  });

  it('reports a missing env file', async () => {
    const dir = tempDir();
    const findings = await doctor(plan(dir, 1), join(dir, 'pod.yaml'));
    expect(findings.find((f) => f.what.includes('opencode.env is missing'))?.fix).toMatch(/DD_API_KEY=\.\.\., OPENCODE_SERVER_PASSWORD=\.\.\./);
  });
});

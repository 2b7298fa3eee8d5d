import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDataDirs, checkUserFiles, checkWorkspaces } from '../src/host/dir-checks';
import { InstallPlan } from '../src/render/podman-files';
import { tempDir } from './helpers';

/** The parts of an install plan these checks read. */
function plan(dataDirs: InstallPlan['dataDirs'], workspaces: InstallPlan['workspaces'] = []): InstallPlan {
  return { dataDirs, workspaces } as unknown as InstallPlan;
}
const lines = (checks: ReturnType<typeof checkDataDirs>) => checks.map((c) => `${c.severity} ${c.message}${c.fix ? ` | ${c.fix}` : ''}`);

describe('doctor: data directories and workspaces', () => {
  it("OpenCode's home must be its user's and private; the old layout (data at the top) is named with the move that fixes it", () => {
    const dir = tempDir();
    const home = join(dir, 'opencode');
    const d = [{ service: 'opencode', path: home, owner: '1234:2345' }];
    expect(lines(checkDataDirs(plan(d)))).toEqual([expect.stringMatching(new RegExp(`^passed data directory ${home} will be created for 1234:2345`))]);
    mkdirSync(home, { mode: 0o755 });
    expect(lines(checkDataDirs(plan(d)))).toEqual([
      `error data directory ${home} belongs to 0:0, not 1234:2345 (opencode runs as 1234:2345 and cannot write there); has mode 755, not 700 (only 1234:2345 may use it: nobody else may read what opencode keeps there) | opencode-memory-pod install (hands it to 1234:2345, 0700), or chown -R 1234:2345 ${home} && chmod 700 ${home}`,
    ]);
    chownSync(home, 1234, 2345);
    chmodSync(home, 0o500); // private, but OpenCode could not write there: exactly 0700 is asked
    expect(lines(checkDataDirs(plan(d)))[0]).toMatch(/has mode 500, not 700/);
    chmodSync(home, 0o700);
    expect(lines(checkDataDirs(plan(d)))).toEqual([`passed data directory ${home} (owner 1234:2345, 0700)`]);
    writeFileSync(join(home, 'auth.json'), '{}');
    mkdirSync(join(home, 'storage'));
    const old = lines(checkDataDirs(plan(d)));
    expect(old[1]).toMatch(/^error .* holds OpenCode data at its top \(auth\.json, storage\)/);
    expect(old[1]).toContain(
      `| with the pod stopped: mkdir -p ${home}/.local/share/opencode && mv ${home}/auth.json ${home}/storage ${home}/.local/share/opencode/`,
    );
    // Still said once OpenCode has made a new database beside them (the move was not done).
    mkdirSync(join(home, '.local/share/opencode'), { recursive: true });
    writeFileSync(join(home, '.local/share/opencode/opencode.db'), '');
    expect(lines(checkDataDirs(plan(d)))[1]).toMatch(/first move what it made in .*\.local\/share\/opencode aside/);
    // A link in its place: what it points at is not OpenCode's.
    const link = join(dir, 'linked-home');
    symlinkSync(home, link);
    expect(lines(checkDataDirs(plan([{ service: 'opencode', path: link, owner: '1234:2345' }])))[0]).toMatch(
      /^error data directory: .*linked-home is a symbolic link \(to .*opencode\): set the data directory to the folder itself \| point services\.opencode\.dataDir/,
    );
    // A directory without an owner in the plan (install.json of an earlier version) is only checked to be a directory.
    mkdirSync(join(dir, 'valkey'));
    expect(lines(checkDataDirs(plan([{ service: 'valkey', path: join(dir, 'valkey') }])))).toEqual([`passed data directory ${join(dir, 'valkey')}`]);
  });

  it("the stores' directories must be private to the user each runs as: Valkey's 999:999, FalkorDB's root", () => {
    const dir = tempDir();
    const valkey = join(dir, 'valkey');
    const falkordb = join(dir, 'falkordb');
    const d = [
      { service: 'valkey', path: valkey, owner: '999:999' },
      { service: 'falkordb', path: falkordb, owner: '0:0' },
    ];
    // As a bare kube play leaves them: podman made both 0755, Valkey's entrypoint chowned its own to user valkey.
    mkdirSync(valkey, { mode: 0o755 });
    mkdirSync(falkordb, { mode: 0o755 });
    chmodSync(valkey, 0o755);
    chmodSync(falkordb, 0o755);
    chownSync(valkey, 999, 0);
    expect(lines(checkDataDirs(plan(d)))).toEqual([
      `error data directory ${valkey} belongs to 999:0, not 999:999 (its group is 0, not valkey's 999); has mode 755, not 700 (only 999:999 may use it: nobody else may read what valkey keeps there) | opencode-memory-pod install (hands it to 999:999, 0700), or chown -R 999:999 ${valkey} && chmod 700 ${valkey}`,
      `error data directory ${falkordb} has mode 755, not 700 (only 0:0 may use it: nobody else may read what falkordb keeps there) | opencode-memory-pod install (hands it to 0:0, 0700), or chown -R 0:0 ${falkordb} && chmod 700 ${falkordb}`,
    ]);
    chownSync(valkey, 999, 999);
    chmodSync(valkey, 0o700);
    chownSync(falkordb, 1000, 1000);
    chmodSync(falkordb, 0o700);
    expect(lines(checkDataDirs(plan(d)))).toEqual([
      `passed data directory ${valkey} (owner 999:999, 0700)`,
      expect.stringMatching(
        /^error data directory .*falkordb belongs to 1000:1000, not 0:0 \(falkordb runs as root; another owner may read and change what it keeps\) \| /,
      ),
    ]);
    chownSync(falkordb, 0, 0);
    expect(lines(checkDataDirs(plan(d)))[1]).toBe(`passed data directory ${falkordb} (owner 0:0, 0700)`);
  });

  it('a workspace must exist, be a directory, not resolve to a system or data directory; whose it is is said', () => {
    const dir = tempDir();
    const ws = (path: string) => ({ service: 'opencode', path, field: 'services.opencode.workspaces.0', runAs: '1234:2345' });
    const data = [{ service: 'valkey', path: join(dir, 'valkey') }];
    const check = (path: string) => lines(checkWorkspaces(plan(data, [ws(path)])));
    expect(check(join(dir, 'missing'))[0]).toMatch(
      /^error workspace .*missing \(services\.opencode\.workspaces\.0\) does not exist: the pod does not start without it \| create it/,
    );
    writeFileSync(join(dir, 'file'), '');
    expect(check(join(dir, 'file'))[0]).toMatch(/is not a directory/);
    symlinkSync('/etc', join(dir, 'etc-link'));
    expect(check(join(dir, 'etc-link'))[0]).toMatch(/^error workspace .*etc-link \(a symbolic link to \/etc\) must not be \/etc itself/);
    mkdirSync(join(dir, 'valkey', 'sub'), { recursive: true });
    symlinkSync(join(dir, 'valkey', 'sub'), join(dir, 'into-data'));
    expect(check(join(dir, 'into-data'))[0]).toMatch(/overlaps the data directory/);
    mkdirSync(join(dir, 'code'));
    expect(check(join(dir, 'code'))[0]).toMatch(
      /^warning workspace .*code belongs to 0:0, but opencode runs as 1234:2345: .* \| set services\.opencode\.runAs: "0:0"/,
    );
    chownSync(join(dir, 'code'), 1234, 2345);
    expect(check(join(dir, 'code'))).toEqual([`passed workspace ${join(dir, 'code')} (owner 1234:2345; opencode runs as 1234:2345)`]);
    // As root OpenCode may write anywhere: nothing to warn about.
    const asRoot = lines(checkWorkspaces(plan(data, [{ ...ws(join(dir, 'code')), runAs: '0:0' }])));
    expect(asRoot[0]).toMatch(/^passed workspace/);
  });
});

describe("doctor: the user's own files once links are resolved", () => {
  it('a plugin folder or configuration file that links to the system, a data directory or the env file is refused', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'valkey'));
    writeFileSync(join(dir, 'opencode.env'), 'K=v\n', { mode: 0o600 });
    mkdirSync(join(dir, 'plugins'));
    symlinkSync('/etc', join(dir, 'plugins-link'));
    symlinkSync('/etc/passwd', join(dir, 'config-link'));
    symlinkSync(join(dir, 'valkey'), join(dir, 'data-link'));
    symlinkSync(join(dir, 'opencode.env'), join(dir, 'env-link'));
    const p = { ...plan([{ service: 'valkey', path: join(dir, 'valkey') }]), envFile: join(dir, 'opencode.env') };
    const check = (path: string, type: 'Directory' | 'File', field: string) => lines(checkUserFiles({ service: 'opencode', path, type, field }, p));
    expect(check(join(dir, 'plugins-link'), 'Directory', 'services.opencode.pluginsDir')).toEqual([
      expect.stringMatching(/^error services\.opencode\.pluginsDir: .*plugins-link is a symbolic link to \/etc, which must not be \/etc itself/),
    ]);
    expect(check(join(dir, 'config-link'), 'File', 'services.opencode.configFile')).toEqual([
      expect.stringMatching(/symbolic link to \/etc\/passwd, which must not be inside \/etc/),
    ]);
    expect(check(join(dir, 'data-link'), 'Directory', 'services.opencode.pluginsDir')[0]).toMatch(/which must be apart from .*valkey/);
    expect(check(join(dir, 'env-link'), 'File', 'services.opencode.configFile')[0]).toMatch(/which must be apart from .*opencode\.env/);
    // A link to a folder of the user's own is fine; the folder itself needs no word beyond it being there.
    symlinkSync(join(dir, 'plugins'), join(dir, 'plugins-ok'));
    expect(check(join(dir, 'plugins-ok'), 'Directory', 'services.opencode.pluginsDir')).toEqual([
      `passed services.opencode.pluginsDir: ${join(dir, 'plugins-ok')} (a symbolic link to ${join(dir, 'plugins')})`,
    ]);
    expect(check(join(dir, 'plugins'), 'Directory', 'services.opencode.pluginsDir')).toEqual([]);
  });
});

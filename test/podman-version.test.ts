import { describe, expect, it } from 'vitest';
import { compareVersions, describeRange, inRange, olderThan, parsePodmanVersion, parseSupportedVersion, PodmanVersion } from '../src/lib/podman-version';

// Versions compared as numbers (semver's order of releases, without semver).

const v = (text: string) => parsePodmanVersion(text)!;

describe('podman versions', () => {
  it('orders releases by major, minor, patch as numbers', () => {
    const sorted = ['4.3.0', '4.3.1', '4.4.0', '4.10.0', '5.0.0', '5.0.10', '5.8.6', '10.0.0'];
    const shuffled = [...sorted].reverse().map(v);
    expect(shuffled.sort(compareVersions).map((x) => `${x.major}.${x.minor}.${x.patch}`)).toEqual(sorted);
    expect(compareVersions(v('4.9.0'), v('4.10.0'))).toBe(-1);
    expect(compareVersions(v('5.4.2'), v('5.4.2'))).toBe(0);
    expect(compareVersions(v('5.4.2'), v('5.4'))).toBe(1);
    expect(olderThan(v('4.3.1'), '4.4.0')).toBe(true);
    expect(olderThan(v('4.4.0'), '4.4.0')).toBe(false);
  });

  it('ranges are [from, before), either end open', () => {
    const range = { from: '4.4.0', before: '5.1.0' };
    expect(['4.3.99', '4.4.0', '5.0.99', '5.1.0'].map((x) => inRange(v(x), range))).toEqual([false, true, true, false]);
    expect(inRange(v('4.3.1'), { before: '4.4.0' })).toBe(true);
    expect(inRange(v('9.0.0'), { from: '4.4.0' })).toBe(true);
    expect(inRange(v('4.3.0'), {})).toBe(true);
    // A number no release could have is in no range, as semver says of an invalid version.
    const huge: PodmanVersion = { major: 5, minor: Number('9'.repeat(20)), patch: 0 };
    expect(inRange(huge, {})).toBe(false);
    expect(() => compareVersions(huge, v('5.0.0'))).toThrow('Invalid minor version');
    expect(() => compareVersions({ major: 5, minor: 1e21, patch: 0 }, v('5.0.0'))).toThrow('Invalid Version: 5.1e+21.0');
  });

  it('range ends must be releases: a typo in a rule is an error at once', () => {
    for (const bad of ['4.4', '4.4.0-rc1', '04.4.0', 'x.y.z', '4.4.0.1'])
      expect(() => inRange(v('4.3.1'), { before: bad }), bad).toThrow(/not a podman release/);
    expect(inRange(v('4.3.1'), { before: 'v4.4.0' })).toBe(true);
  });

  it('says ranges the way the rule list shows them', () => {
    expect(describeRange({ from: '4.6.0', before: '4.7.0' })).toBe('podman 4.6.x');
    expect(describeRange({ from: '4.3.0', before: '4.8.0' })).toBe('podman 4.3.0-4.7.x');
    expect(describeRange({ from: '4.3.0', before: '4.4.3' })).toBe('podman 4.3.0-4.4.2');
    expect(describeRange({ before: '4.4.0' })).toBe('podman before 4.4.0');
    expect(describeRange({ from: '5.1.0' })).toBe('podman 5.1.0 and later');
    expect(describeRange({})).toBe('every podman version');
  });

  it('--podman takes 4.3.0 up to 5.x', () => {
    expect(parseSupportedVersion('4.3')).toEqual({ major: 4, minor: 3, patch: 0 });
    expect(parseSupportedVersion('5.8.6')).toEqual({ major: 5, minor: 8, patch: 6 });
    expect(() => parseSupportedVersion('4.2.9')).toThrow(/supported versions are 4.3.0 up to 5.x/);
    expect(() => parseSupportedVersion('6.0')).toThrow(/supported versions are 4.3.0 up to 5.x/);
    expect(() => parseSupportedVersion('5.99999999999999999999')).toThrow(/supported versions are 4.3.0 up to 5.x/);
    expect(() => parseSupportedVersion('latest')).toThrow(/expected a version such as 4.3.1/);
  });
});

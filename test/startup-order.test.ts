import { describe, expect, it } from 'vitest';
import { DependencyError, startupOrder } from '../src/model/startup-order';

const node = (name: string, ...deps: Array<string | [string, 'optional']>) => ({
  name,
  dependsOn: deps.map((d) => (typeof d === 'string' ? { service: d } : { service: d[0], optional: true })),
});

describe('startupOrder', () => {
  it('puts every service after its dependencies, whatever the declaration order', () => {
    const order = startupOrder([node('opencode', 'datadog'), node('datadog', 'falkordb'), node('falkordb', 'valkey'), node('valkey')]);
    expect(order.map((s) => s.name)).toEqual(['valkey', 'falkordb', 'datadog', 'opencode']);
  });

  it('keeps declaration order among services that are ready together', () => {
    const order = startupOrder([node('b'), node('a'), node('c', 'a', 'b')]);
    expect(order.map((s) => s.name)).toEqual(['b', 'a', 'c']);
  });

  it('reports dependents and drops optional dependencies on absent services', () => {
    const order = startupOrder([node('valkey'), node('opencode', 'valkey', ['datadog', 'optional'])]);
    expect(order[1]).toEqual({ name: 'opencode', waitsFor: ['valkey'], dependents: [] });
    expect(order[0].dependents).toEqual(['opencode']);
  });

  it('rejects an unknown dependency, naming both services', () => {
    expect(() => startupOrder([node('graphiti', 'falkordb')])).toThrow(/"graphiti" depends on "falkordb", which is not part of the stack/);
  });

  it('rejects cycles and names the loop', () => {
    expect(() => startupOrder([node('x'), node('a', 'c'), node('b', 'a'), node('c', 'b')])).toThrow(DependencyError);
    expect(() => startupOrder([node('a', 'c'), node('b', 'a'), node('c', 'b')])).toThrow(/cycle among services: a -> c -> b -> a/);
  });

  it('rejects self-dependencies and duplicate names', () => {
    expect(() => startupOrder([node('a', 'a')])).toThrow(/depends on itself/);
    expect(() => startupOrder([node('a'), node('a')])).toThrow(/declared twice/);
  });
});

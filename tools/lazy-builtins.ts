// Node's child_process and crypto take 3-15 ms each to load on 2 cores (they bring net, streams,
// OpenSSL bindings), and the bundles require them at the top of modules that call them in one
// function, if at all: commander (executable subcommands), the podman version probe, cdk8s and
// constructs (hashing names we set ourselves). tools/bundle.ts has each chunk require them at
// their first use instead, through a stand-in.

/** The builtins worth deferring. */
const LAZY = ['child_process', 'crypto'];

/** Defines __lazyBuiltin(id): the builtin, loaded when a property is first read. */
const HELPER = `var __lazyBuiltin = (id) => {
  let m;
  const load = () => m || (m = require(id));
  return new Proxy({}, {
    get: (_, k) => (k === "__esModule" ? true : load()[k]),
    has: (_, k) => k in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_, k) => { const d = Reflect.getOwnPropertyDescriptor(load(), k); return d && { ...d, configurable: true }; },
  });
};
`;

/**
 * `var x = require("child_process");` (and `__importStar(...)` of it: the stand-in says it is an
 * ES module, so TypeScript's helper would hand it over as it is) becomes `var x = __lazyBuiltin(...)`.
 * Only whole statements of that form: anything else keeps the plain require.
 */
export function deferBuiltins(chunk: string): { text: string; deferred: number } {
  let deferred = 0;
  const names = LAZY.map((b) => `(?:node:)?${b}`).join('|');
  const statement = new RegExp(`^(\\s*var \\w+ = )(?:__importStar\\()?require\\("((?:${names}))"\\)\\)?;$`, 'gm');
  const text = chunk.replace(statement, (_, head: string, id: string) => {
    deferred++;
    return `${head}__lazyBuiltin("${id}");`;
  });
  if (!deferred) return { text: chunk, deferred };
  // After the "use strict" directive, which must stay first.
  return { text: text.replace(/^("use strict";\n)?/, (directive) => `${directive}${HELPER}`), deferred };
}

// imports/k8s.ts re-exports cdk8s-plus-28's Kubernetes L1 constructs: one CommonJS file of 2.7 MB
// (141 classes, 440 toJson functions), which esbuild cannot tree-shake. Running it made up ~10 ms
// of every synth. tools/bundle.ts bundles instead what this file keeps of it: the constructs src/
// imports and what they need, every statement as it stands, in its order.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';

/** Names src/ (and main.ts) import from imports/k8s: the roots of what is kept. */
export function importedK8sNames(root: string): string[] {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : name.endsWith('.ts') ? [path] : [];
    });
  const names = new Set<string>();
  for (const file of [...files(join(root, 'src')), join(root, 'main.ts')]) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    for (const statement of source.statements) {
      if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      if (!/(^|\/)imports\/k8s$/.test(statement.moduleSpecifier.text)) continue;
      const bindings = statement.importClause?.namedBindings;
      if (!bindings || !ts.isNamedImports(bindings))
        throw new Error(`${file}: import named constructs from imports/k8s (a namespace import keeps nothing out)`);
      for (const element of bindings.elements) names.add((element.propertyName ?? element.name).text);
    }
  }
  return [...names].sort();
}

/**
 * The top-level statements of `source` (the compiled k8s.js) that `keep` needs: a declaration
 * (class, function, enum variable) is kept when a kept statement names it; a statement that
 * assigns to a declared name (`exports.X = X`, `X.GVK = ...`, `X[_a] = ...`, an enum's body) is
 * kept with it. Anything else (the header: "use strict", the requires, `var _a, ...`) is kept as
 * it is, except tsc's `exports.A = exports.B = ... = void 0`, which only announces the exports.
 */
export function shakeK8sImports(source: string, typings: string, keep: readonly string[]): string {
  const file = ts.createSourceFile('k8s.js', source, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const declared = new Map<string, ts.Statement>();
  for (const s of file.statements) for (const name of declaredNames(s)) declared.set(name, s);

  const referenced = (node: ts.Node): string[] => {
    const found: string[] = [];
    const visit = (n: ts.Node) => {
      if (ts.isIdentifier(n) && declared.has(n.text)) found.push(n.text);
      n.forEachChild(visit);
    };
    visit(node);
    return found;
  };
  // Statements that assign to a declared name belong to it.
  const owned = new Map<string, ts.Statement[]>();
  const always: ts.Statement[] = [];
  for (const s of file.statements) {
    if (declaredNames(s).length) continue;
    if (isExportsAnnouncement(s)) continue;
    const owners = assignedNames(s).filter((n) => declared.has(n));
    if (!owners.length) always.push(s);
    for (const o of owners) owned.set(o, [...(owned.get(o) ?? []), s]);
  }

  const kept = new Set<string>();
  const queue = [...keep.filter((n) => declared.has(n)), ...always.flatMap(referenced)];
  // What the JavaScript does not declare must be an interface of the .d.ts (erased from the bundle).
  const missing = keep.filter((n) => !declared.has(n) && !new RegExp(`^export interface ${n}\\b`, 'm').test(typings));
  if (missing.length) throw new Error(`shake-k8s-imports: not in cdk8s-plus-28's k8s.js: ${missing.join(', ')}`);
  while (queue.length) {
    const name = queue.pop()!;
    if (kept.has(name)) continue;
    kept.add(name);
    for (const s of [declared.get(name)!, ...(owned.get(name) ?? [])]) queue.push(...referenced(s));
  }
  const keepStatement = (s: ts.Statement) =>
    always.includes(s) || declaredNames(s).some((n) => kept.has(n)) || assignedNames(s).some((n) => kept.has(n) && owned.get(n)?.includes(s));
  return `${file.statements
    .filter(keepStatement)
    .map((s) => s.getText(file))
    .join('\n')}\n`;
}

function declaredNames(s: ts.Statement): string[] {
  if ((ts.isClassDeclaration(s) || ts.isFunctionDeclaration(s)) && s.name) return [s.name.text];
  // `var Enum;` before its filling function; the header's `var _a, _b, ...` is no declaration of an export.
  if (ts.isVariableStatement(s)) {
    const names = s.declarationList.declarations.flatMap((d) => (ts.isIdentifier(d.name) && !d.initializer ? [d.name.text] : []));
    return names.length === 1 && s.declarationList.declarations.length === 1 && !names[0].startsWith('_') ? names : [];
  }
  return [];
}

/** Names a statement assigns to: `X` of `X = ...`, `X.p = ...`, `X[k] = ...`, `exports.X = ...`, anywhere in it. */
function assignedNames(s: ts.Statement): string[] {
  const names: string[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      let target: ts.Expression = n.left;
      if (ts.isPropertyAccessExpression(target) && ts.isIdentifier(target.expression) && target.expression.text === 'exports') names.push(target.name.text);
      else {
        while (ts.isPropertyAccessExpression(target) || ts.isElementAccessExpression(target)) target = target.expression;
        if (ts.isIdentifier(target)) names.push(target.text);
      }
    }
    n.forEachChild(visit);
  };
  visit(s);
  return names;
}

/** tsc's `exports.A = exports.B = ... = void 0;` at the top. */
function isExportsAnnouncement(s: ts.Statement): boolean {
  return ts.isExpressionStatement(s) && /^exports\.\w+ = (exports\.\w+ = )*void 0;$/.test(s.getText());
}

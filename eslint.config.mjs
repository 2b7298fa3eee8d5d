// eslint (flat config) with typescript-eslint's recommended rules; `npm run lint` runs it with prettier.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['build/', 'dist/', 'imports/', 'node_modules/', '.e2e/', 'scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `const { a: _a, ...rest } = x` leaves a field out of rest: the names beside a rest element are not unused.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    // Its regular expressions are written into dist/config.schema.json as they stand, and the golden
    // copy holds that file byte for byte: an escape that changes nothing here would change the schema.
    files: ['src/config/schema.ts'],
    rules: { 'no-useless-escape': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Parsed YAML and JSON (manifests, Kubernetes objects) are walked freely in tests.
      '@typescript-eslint/no-explicit-any': 'off',
      // The tests match aligned output, where a run of spaces is what is checked.
      'no-regex-spaces': 'off',
    },
  },
  {
    // tools/*.js are CommonJS scripts that node runs as they are (npm's prepare, npx cdk8s).
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);

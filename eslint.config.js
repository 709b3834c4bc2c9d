// ESLint with typescript-eslint's type-aware rules over the TypeScript of the project (not
// assembly/, which is AssemblyScript). `npm run lint` allows no warning.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'web/dist/',
      'docs/',
      'report/',
      'runs/',
      'data/',
      'assembly/',
      'bench/assembly/',
      'bench/probe-binary.generated.ts',
      '.docs-snippets/',
      'src/tensor/backend/wasm/*.generated.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // import() types name optional dependencies that are loaded lazily (vega, tfjs)
      '@typescript-eslint/consistent-type-imports': ['error', { disallowTypeAnnotations: false }],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true, allowNullish: true, allowArray: true },
      ],
      // Node's module functions taken from a dynamic import() do not use `this`
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // the kernels have one front door: outside src/tensor/backend/, only its index.ts is imported
    // (the wasm backend, its memory and threads stay private; tests of the wasm kernels excepted)
    files: ['src/**/*.ts', 'bench/**/*.ts', 'web/src/**/*.ts', 'examples/**/*.ts'],
    ignores: ['src/tensor/backend/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: 'tensor/backend/(?!index\\.js$)',
              message: 'import the kernels through src/tensor/backend/index.ts',
            },
            {
              regex: '(^|/)kernels/(wasm|threads)',
              message: 'the wasm backend lives in src/tensor/backend/wasm/, private to it',
            },
          ],
        },
      ],
    },
  },
  {
    // tests read JSON printed by the command line and by child processes: untyped by nature
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // TypeScript checks names itself (no-undef would not know the DOM and Node types)
    files: ['**/*.ts', '**/*.mts'],
    rules: { 'no-undef': 'off' },
  },
  {
    // plain JavaScript (bin/, scripts/): no type information; Node's globals
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { ...globals.node } },
  },
);

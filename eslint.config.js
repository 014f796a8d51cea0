// Lint rules that catch what review kept finding by hand: promises nobody awaits or handles, async
// functions passed where a callback's result is ignored, switches that miss a case. Type-aware, so
// each rule sees the real types; formatting is Prettier's job (eslint-config-prettier turns off the
// rules that would fight it).
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/'] },
  eslint.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // `close: async () => undefined` is how a no-op meets an interface that returns a promise.
      '@typescript-eslint/require-await': 'off',
      // Options objects declare their callbacks in method shorthand (`warn(message): void`) and are
      // built from closures: none uses `this`, so passing one on is not the bug this rule looks for.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Tests read devsup's JSON output (`ports --json`, `who --json`) and assert on its shape:
    // typing every parsed value first would only repeat the assertion.
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    // Plain JavaScript: the scripts, the bench and the test fixtures, all run by Node.
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  prettier,
);

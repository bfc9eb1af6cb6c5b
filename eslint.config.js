// Lint: typescript-eslint's type-checked recommended rules, plus a few that catch real bugs in
// async code. Formatting is Prettier's job (`npm run format:check`), not ESLint's.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/', 'node_modules/', 'test/fixtures/', 'test/helpers/cloud-init/']},
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname},
    },
    linterOptions: {reportUnusedDisableDirectives: 'error'},
    rules: {
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {allowForKnownSafeCalls: [{from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite']}]},
      ],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', {fixStyle: 'inline-type-imports'}],
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none'}],
      // Terminal escapes, HTTP and device text are this tool's daily bread: control characters in a
      // regular expression are meant.
      'no-control-regex': 'off',
      eqeqeq: ['error', 'always', {null: 'ignore'}],
    },
  },
  // Plain JavaScript (entry points, scripts, this file) is outside the TypeScript project.
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: {project: false, projectService: false},
      globals: {process: 'readonly', console: 'readonly', URL: 'readonly'},
    },
  },
)

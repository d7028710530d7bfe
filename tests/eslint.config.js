// ESLint (flat config) for the whole project, kept under tests/ like vitest.config.ts: `npm run lint`.
// Type-aware correctness rules are the point (a promise nobody awaits, a switch that misses a case,
// code nothing uses); style is left to the code's authors.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', '.react-email/**', 'tests/artifacts/**', '**/*.mjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: root },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // What the issue asks for.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      'no-unused-private-class-members': 'error',
      'no-unreachable': 'error',
      // Pragmatic exceptions: BullMQ's queues on two backends, pg rows and parsed JSON are typed `any` on
      // purpose at their seams; flagging every use of them would bury the rules above.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Fastify handlers and test callbacks are async without always awaiting; harmless.
      '@typescript-eslint/require-await': 'off',
      // Event handlers and timers are handed promise-returning functions deliberately (each catches).
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
      // Style, or deliberate here: `!` after a lookup the code knows succeeds, sanitisers that match control
      // characters, a union with string that documents the expected values, a one-line error message
      // instead of a chained cause, initialised-then-assigned variables.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      'no-control-regex': 'off',
      'no-misleading-character-class': 'off',
      'preserve-caught-error': 'off',
      'prefer-const': 'off',
      'no-useless-assignment': 'off',
    },
  },
);

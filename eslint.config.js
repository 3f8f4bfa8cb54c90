// ESLint flat config: typescript-eslint's strict, type-aware rule set over the project's TypeScript and JavaScript.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['node_modules/', 'dist/', 'infra/cdktf.out/', '.kilowatch/'] },
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js', 'infra/placeholder-function/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // A destructuring that reassigns some of its names stays one `let` rather than splitting in two; a `let`
      // that a closure reads before its one assignment (wiring a server before what it serves exists) stays too.
      'prefer-const': ['error', { destructuring: 'all', ignoreReadBeforeAssign: true }],
      // tsconfig sets noUncheckedIndexedAccess, so every in-bounds index in the numeric code (detectors, features,
      // statistics) is typed `T | undefined`; `x[i]!` is how that code states the loop bound it relies on.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Numbers and booleans print unambiguously in messages and SQL identifiers; objects and nullish values still fail.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `return done()` in a void function is the code's early-exit idiom; using a void value elsewhere still fails.
      '@typescript-eslint/no-confusing-void-expression': [
        'error',
        { ignoreArrowShorthand: true, ignoreVoidReturningFunctions: true },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Fakes and bench entries implement async ports with synchronous bodies; `async` keeps their signatures honest.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['test/infra/**/*.ts'],
    rules: {
      // These tests probe synthesized Terraform JSON by path (resource.<type>.<name>.<field>); typing every provider
      // resource would restate the provider's schema, and a wrong path fails the assertion anyway.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);

// ESLint flat config: typescript-eslint's strict, type-aware rule set over the project's TypeScript and JavaScript.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
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
      // tsconfig sets noUncheckedIndexedAccess, so every in-bounds index in the numeric code (detectors, features,
      // statistics) is typed `T | undefined`; `x[i]!` is how that code states the loop bound it relies on.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Numbers and booleans print unambiguously in messages and SQL identifiers; objects and nullish values still fail.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `() => resolve()`-style callbacks return void on purpose; statements that use a void value still fail.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
    },
  },
);

// The linter's rules (typescript-eslint's recommended set, without type information so that it stays fast on small
// machines). Rules turned off or narrowed here say why; a finding anywhere else is fixed in the code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '**/node_modules/', 'test/fixtures/', 'targets/**/vendor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Cookie and HTTP rules are about control characters (CTL octets, NUL, CR, LF), and the console tests read ANSI
      // escapes: a control character in a regular expression is the point there, not a slip.
      'no-control-regex': 'off',
      // A variable that a callback set up before it reads (a notification handler registered before the value exists).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Tests read JSON documents (imported vectors, results.json) whose shape is what their assertions check.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The report page's files are scripts joined into one (runner/reports/html/page/tsconfig.json): a top-level name is
    // used by a sibling file, and a top-level `let` is assigned in another. The page's own tsc build checks locals.
    files: ['runner/reports/html/page/**/*.ts'],
    languageOptions: { sourceType: 'script' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { vars: 'local', argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'prefer-const': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
      },
    },
  },
);

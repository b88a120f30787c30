import { defineConfig, globalIgnores } from 'eslint/config';
import nextVitals from 'eslint-config-next/core-web-vitals';
import nextTs from 'eslint-config-next/typescript';

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  globalIgnores(['.next/**', '.next-*/**', 'node_modules/**', 'lib/generated/**', 'data/**', 'bench/out/**', 'test-results/**', 'playwright-report/**', 'next-env.d.ts']),
  {
    // CommonJS preload scripts (bench/rss-probe.cjs) use require() by design.
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Layers: dependencies point one way (app and components -> lib/auth, lib/server/bootstrap ->
    // lib/features -> lib/reconcile, lib/romi, lib/server infrastructure -> lib/domain), and no
    // import cycles. docs/architecture.md has the map.
    files: ['**/*.{ts,tsx,mts}'],
    rules: {
      'import/no-cycle': ['error', { ignoreExternal: true }],
      'import/no-restricted-paths': [
        'error',
        {
          zones: [
            { target: './lib', from: ['./app', './components', './tools', './scripts', './bench', './e2e', './test'], message: 'lib/ is below the app: pass what it needs in instead.' },
            { target: './lib/domain', from: ['./lib'], except: ['./domain'], message: 'lib/domain is the shared vocabulary: it imports nothing else from lib/.' },
            {
              target: ['./lib/reconcile', './lib/romi'],
              from: ['./lib/features', './lib/server', './lib/auth', './lib/demo', './lib/generated'],
              message: 'The engines are pure: no database, no framework, no features (lib/domain only).',
            },
            {
              target: ['./lib/server/core', './lib/server/db', './lib/server/jobs', './lib/server/observability', './lib/server/crypto', './lib/server/http', './lib/server/rate-limit.ts'],
              from: ['./lib/features', './lib/auth', './lib/demo', './lib/server/bootstrap'],
              message: 'Infrastructure is below the features: declare a hook and let lib/server/bootstrap wire it.',
            },
            {
              target: './lib/features',
              from: ['./lib/auth', './lib/demo', './lib/server/bootstrap'],
              message: 'Features sit below sessions and the composition root: take the actor or the dependency as a parameter.',
            },
          ],
        },
      ],
    },
  },
  {
    // What production runs (the app, npm start, the worker, the db:/user:/secrets: commands) may use only
    // `dependencies`: a server installed with `npm ci --omit=dev` must work.
    files: ['app/**', 'components/**', 'lib/**', 'scripts/**', 'proxy.ts', 'instrumentation.ts', 'next.config.js'],
    ignores: ['**/*.test.ts', '**/*.test.tsx', 'scripts/db/new.ts', 'scripts/db/tooling.ts', 'scripts/db/check.ts', 'scripts/screenshots.ts'],
    rules: { 'import/no-extraneous-dependencies': ['error', { devDependencies: false, optionalDependencies: false, peerDependencies: false }] },
  },
  {
    // next/link prefetches every link that scrolls into view: one dashboard view sent 75 requests.
    files: ['app/**', 'components/**'],
    ignores: ['components/ui/Link.tsx'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'next/link', message: "Use { Link } from '@/components/ui/Link': it prefetches on hover or focus, not for every link in view." }] }],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
]);

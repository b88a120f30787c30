import { defineConfig, devices } from '@playwright/test';
import { existsSync } from 'node:fs';

const PORT = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${PORT}`;
/** A clean workspace (npm run workspace: no demo data, one admin) beside the demo, for the onboarding journey (e2e/acme-onboarding.spec.ts). */
export const WORKSPACE_PORT = PORT + 1;
export const WORKSPACE_ADMIN = { email: 'owner@acme.example', password: 'acme-owner-password-2025' };
/** Another clean workspace, for the same journey through the command-line client alone (e2e/acme-cli.spec.ts). */
export const CLI_PORT = PORT + 2;
export const CLI_ADMIN = { email: 'ops@acme.example', password: 'acme-ops-password-2025' };
const serverEnv = {
  PAIDLINE_SKIP_BUILD: '1',
  AUTH_SECRET: 'e2e-secret-not-for-production-0123456789abcdef',
  // Every journey signs in from the same address within seconds; the limits themselves are tested elsewhere.
  PAIDLINE_RATE_LIMIT_SCALE: '20',
  // Demo logins without a phone (e2e/mfa.spec.ts enrols its own user); set it to test the enforcement.
  PAIDLINE_MFA_REQUIRED_ROLES: process.env.PAIDLINE_MFA_REQUIRED_ROLES ?? '',
  // The journeys' fake Telegram Bot API listens on loopback, which outbound requests otherwise refuse.
  PAIDLINE_OUTBOUND_ALLOW: '127.0.0.1,localhost',
};
const freshDb = (port: number) => `node -e "for (const s of ['', '-wal', '-shm']) require('fs').rmSync('data/e2e-${port}.db' + s, { force: true })"`;
// Debian's Chromium when present (no browser download is possible offline), else Playwright's own.
const systemChromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

export default defineConfig({
  testDir: 'e2e',
  outputDir: `test-results/e2e-${PORT}`,
  fullyParallel: false,
  workers: 1,
  forbidOnly: true,
  retries: 0,
  // 2-core CI machines: a server action that writes (start a run, record spend) can take several
  // seconds while the previous journey's background work (runs, ROMI rebuilds) finishes.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          executablePath: systemChromium,
          args: [
            '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
            '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
          ],
        },
      },
    },
  ],
  webServer: [
    {
      // A fresh embedded database per run, seeded like the demo; the app must already be built (npm test builds it).
      command: `${freshDb(PORT)} && npx tsx scripts/demo.ts`,
      url: `${baseURL}/login`,
      timeout: 120_000,
      reuseExistingServer: false,
      env: { ...serverEnv, DATABASE_URL: `file:./data/e2e-${PORT}.db`, PORT: String(PORT) },
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // A company's own workspace, empty but for its first admin (the README's second start command).
      command: `${freshDb(WORKSPACE_PORT)} && npx tsx scripts/workspace.ts --email ${WORKSPACE_ADMIN.email} --name Owner`,
      url: `http://127.0.0.1:${WORKSPACE_PORT}/login`,
      timeout: 120_000,
      reuseExistingServer: false,
      env: { ...serverEnv, DATABASE_URL: `file:./data/e2e-${WORKSPACE_PORT}.db`, PORT: String(WORKSPACE_PORT), PAIDLINE_ADMIN_PASSWORD: WORKSPACE_ADMIN.password },
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // The CLI journey's workspace: empty but for its first admin, whose API token the journey makes with npm run token:create.
      command: `${freshDb(CLI_PORT)} && npx tsx scripts/workspace.ts --email ${CLI_ADMIN.email} --name Ops`,
      url: `http://127.0.0.1:${CLI_PORT}/login`,
      timeout: 120_000,
      reuseExistingServer: false,
      env: { ...serverEnv, DATABASE_URL: `file:./data/e2e-${CLI_PORT}.db`, PORT: String(CLI_PORT), PAIDLINE_ADMIN_PASSWORD: CLI_ADMIN.password },
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
});

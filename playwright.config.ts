import { defineConfig, devices } from '@playwright/test';
import { existsSync } from 'node:fs';

const PORT = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${PORT}`;
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
  webServer: {
    // A fresh embedded database per run, seeded like the demo; the app must already be built (npm test builds it).
    command: `node -e "for (const s of ['', '-wal', '-shm']) require('fs').rmSync('data/e2e-${PORT}.db' + s, { force: true })" && npx tsx scripts/demo.ts`,
    url: `${baseURL}/login`,
    timeout: 120_000,
    reuseExistingServer: false,
    env: {
      DATABASE_URL: `file:./data/e2e-${PORT}.db`,
      PAIDLINE_SKIP_BUILD: '1',
      PORT: String(PORT),
      AUTH_SECRET: 'e2e-secret-not-for-production-0123456789abcdef',
      // Every journey signs in from the same address within seconds; the limits themselves are tested elsewhere.
      PAIDLINE_RATE_LIMIT_SCALE: '20',
      // Demo logins without a phone (e2e/mfa.spec.ts enrols its own user); set it to test the enforcement.
      PAIDLINE_MFA_REQUIRED_ROLES: process.env.PAIDLINE_MFA_REQUIRED_ROLES ?? '',
      // The journeys' fake Telegram Bot API listens on loopback, which outbound requests otherwise refuse.
      PAIDLINE_OUTBOUND_ALLOW: '127.0.0.1,localhost',
    },
    stdout: 'ignore',
    stderr: 'pipe',
  },
});

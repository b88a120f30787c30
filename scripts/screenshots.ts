/**
 * Takes screenshots of the main pages for every role against a running app:
 *   BASE_URL=http://localhost:3000 npx tsx scripts/screenshots.ts [outDir]
 * Used to look at what we build and to refresh the README's picture.
 */
import { chromium } from '@playwright/test';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from '@/lib/demo/accounts';
import { navFor } from '@/lib/auth/navigation';

const baseURL = process.env.BASE_URL ?? 'http://localhost:3000';
const outDir = path.resolve(process.argv[2] ?? 'docs/screenshots');

async function main() {
  mkdirSync(outDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p)),
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const viewports = { desktop: { width: 1360, height: 860 }, mobile: { width: 390, height: 844 } };
  for (const [label, viewport] of Object.entries(viewports)) {
    const page = await browser.newPage({ viewport, baseURL });
    await page.goto('/login');
    await page.screenshot({ path: path.join(outDir, label === 'desktop' ? 'login.png' : `login-${label}.png`) });
    await page.close();
  }
  for (const account of DEMO_ACCOUNTS) {
    const context = await browser.newContext({ viewport: viewports.desktop, baseURL });
    const page = await context.newPage();
    await page.goto('/login');
    await page.getByLabel('E-mail', { exact: true }).fill(account.email);
    await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/login'));
    for (const item of navFor(account.role)) {
      await page.goto(item.href);
      await page.screenshot({ path: path.join(outDir, `${account.role}${item.href.replace(/\//g, '-')}.png`), fullPage: true });
    }
    await context.close();
  }
  await browser.close();
  console.log(`Screenshots in ${outDir}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

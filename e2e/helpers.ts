import { expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from '../lib/demo/accounts';
import type { Role } from '../lib/domain/roles';

export function demoAccount(role: Role) {
  const account = DEMO_ACCOUNTS.find((a) => a.role === role);
  if (!account) throw new Error(`No demo account for ${role}`);
  return account;
}

/** Fills and submits the sign-in form, without waiting for the outcome. */
export async function attemptSignIn(page: Page, role: Role, password: string) {
  const account = demoAccount(role);
  await page.goto('/login');
  await page.getByLabel('E-mail', { exact: true }).fill(account.email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Fills and submits the sign-in form for any account (not only the demo ones), without waiting for the outcome. */
export async function attemptSignInAs(page: Page, email: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs in with the demo password and waits until the app has let the user in (its landing page shown whole). */
export async function signIn(page: Page, role: Role) {
  await attemptSignIn(page, role, DEMO_PASSWORD);
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  await settled(page);
}

/**
 * Navigates and waits until React has revealed every streamed part of the page. A page with a
 * loading skeleton arrives in parts: each part sits in a hidden container (id "S:n") until React
 * moves it into place, which may be just after the load event (React batches reveals). Meanwhile a
 * test id can match twice, the hidden copy and the shown one, and a strict locator fails.
 */
export async function gotoSettled(page: Page, url: string) {
  await page.goto(url);
  await settled(page);
}

/** Waits until no streamed part of the page is still hidden (see gotoSettled). */
export async function settled(page: Page) {
  await page.waitForFunction(() => !document.querySelector('[id^="S:"]'));
}

/** Fails on serious or critical axe violations, listing them. */
export async function expectNoSeriousA11yViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length} nodes)`)).toEqual([]);
}

/** Adds a source on the Sources page and waits for its own page. */
export async function addSource(page: Page, name: string, kind: string) {
  await page.goto('/sources');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Kind').selectOption(kind);
  await page.getByRole('button', { name: 'Add source' }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
}

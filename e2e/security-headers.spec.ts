import { createClient } from '@libsql/client';
import { expect, test, type Page } from '@playwright/test';
import { signIn } from './helpers';

/** Records every CSP violation the page reports (the event, and Chromium's console line). */
async function watchViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to (execute|load|apply)/i.test(msg.text())) violations.push(msg.text());
  });
  await page.exposeFunction('__cspViolation', (v: string) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __cspViolation: (v: string) => void }).__cspViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  return violations;
}

test('pages carry a nonce-based CSP and security headers, and run under them without violations', async ({ page }) => {
  const violations = await watchViolations(page);

  const response = await page.goto('/login');
  const headers = response!.headers();
  const csp = headers['content-security-policy'] ?? '';
  const directives = csp.split('; ');
  const scriptSrc = directives.find((d) => d.startsWith('script-src')) ?? '';
  expect(scriptSrc).toMatch(/^script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}' 'strict-dynamic'$/);
  // Style elements need the same nonce; only style attributes may be inline.
  const nonce = /'nonce-([^']+)'/.exec(scriptSrc)![1];
  expect(directives).toContain(`style-src 'self' 'nonce-${nonce}'`);
  expect(directives).toContain("style-src-attr 'unsafe-inline'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
  expect(headers['permissions-policy']).toBe('camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()');
  expect(headers['strict-transport-security']).toBeUndefined(); // plain HTTP

  // The streaming upload route bypasses the proxy, yet carries a policy of its own and the same headers.
  const upload = await page.request.post('/api/sources/none/uploads', { data: 'x', headers: { origin: new URL(page.url()).origin } });
  expect(upload.headers()['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
  expect(upload.headers()['x-content-type-options']).toBe('nosniff');
  expect(upload.headers()['permissions-policy']).toContain('camera=()');

  // A second request gets another nonce.
  const again = await page.request.get('/login');
  expect(again.headers()['content-security-policy']).not.toBe(csp);

  // The app works under the policy: sign in (a server action), open pages with client components and charts.
  await signIn(page, 'reviewer');
  await page.goto('/runs');
  await expect(page.getByRole('heading', { name: 'One-off snapshot run' })).toBeVisible();
  await page.goto('/discrepancies');
  await expect(page.getByRole('heading', { level: 1, name: 'Discrepancies' })).toBeVisible();
  expect(violations).toEqual([]);
});

test('every page renders under the style policy: no violation, every <style> element carries the nonce', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const violations = await watchViolations(page);
  const db = createClient({ url: `file:./data/e2e-${process.env.E2E_PORT ?? 3100}.db` });
  const first = async (sql: string) => String((await db.execute(sql)).rows[0]?.[0] ?? 'none');
  const runId = await first('SELECT id FROM "Run" ORDER BY "createdAt" LIMIT 1');
  const rowId = await first('SELECT id FROM "RunResult" ORDER BY id LIMIT 1');
  const sourceId = await first('SELECT id FROM "Source" ORDER BY "createdAt" LIMIT 1');
  db.close();

  await signIn(page, 'admin');
  const pages = [
    '/dashboard', '/dashboard/drill', '/discrepancies', `/discrepancies/${rowId}`, '/quality', '/reports', '/reports/monthly',
    '/runs', `/runs/${runId}`, '/sources', `/sources/${sourceId}`, '/settings', '/settings/audit', '/settings/notifications', '/telegram',
  ];
  for (const path of pages) {
    const response = await page.goto(path);
    expect(response!.status(), path).toBeLessThan(400);
    // Client components and charts render after hydration (some pages poll, so never go network-idle).
    await page.waitForLoadState('load');
    await page.waitForTimeout(750);
    const nonce = /'nonce-([^']+)'/.exec(response!.headers()['content-security-policy'] ?? '')![1];
    // Next.js's and React's own <style> elements get the nonce (the attribute reads empty once applied; the property keeps it).
    const styles = await page.evaluate(() => Array.from(document.querySelectorAll('style')).map((s) => (s as HTMLStyleElement).nonce));
    expect(styles.filter((n) => n !== nonce), `${path}: <style> elements without the nonce`).toEqual([]);
    // Style sheets apply: the page is laid out by globals.css, not unstyled.
    expect(await page.evaluate(() => document.styleSheets.length), path).toBeGreaterThan(0);
    if (['/dashboard', '/discrepancies', '/sources'].includes(path)) {
      await page.screenshot({ path: testInfo.outputPath(`${path.slice(1)}.png`), fullPage: true });
    }
  }
  expect(violations).toEqual([]);

  // The watch works, and the policy bites: a <style> element injected without the nonce is refused.
  const color = await page.evaluate(async () => {
    const style = document.createElement('style');
    style.textContent = 'body { background-color: rgb(255, 0, 0) !important; }';
    document.head.appendChild(style);
    await new Promise((r) => setTimeout(r, 200));
    return getComputedStyle(document.body).backgroundColor;
  });
  expect(color).not.toBe('rgb(255, 0, 0)');
  await expect.poll(() => violations.some((v) => v.startsWith('style-src'))).toBe(true);
});

test('HSTS over HTTPS on pages once, and on what bypasses the proxy: static files and the upload route', async ({ page }) => {
  const https = { 'x-forwarded-proto': 'https' };
  const hsts = 'max-age=63072000; includeSubDomains';
  const login = await page.request.get('/login', { headers: https });
  expect(login.headersArray().filter((h) => h.name.toLowerCase() === 'strict-transport-security').map((h) => h.value)).toEqual([hsts]);

  await page.goto('/login');
  const asset = await page.evaluate(() => (document.querySelector('script[src*="/_next/static/"]') as HTMLScriptElement).src);
  const viaTls = await page.request.get(asset, { headers: https });
  expect(viaTls.status()).toBe(200);
  expect(viaTls.headersArray().filter((h) => h.name.toLowerCase() === 'strict-transport-security').map((h) => h.value)).toEqual([hsts]);
  expect(viaTls.headers()['x-content-type-options']).toBe('nosniff');
  expect(viaTls.headers()['permissions-policy']).toContain('camera=()');
  const plain = await page.request.get(asset);
  expect(plain.headers()['strict-transport-security']).toBeUndefined();
  expect(plain.headers()['x-content-type-options']).toBe('nosniff');
  const icon = await page.request.get('/favicon.svg', { headers: https });
  expect(icon.headers()['strict-transport-security']).toBe(hsts);

  // Behind the TLS proxy the browser's origin is the https one.
  const upload = await page.request.post('/api/sources/none/uploads', { data: 'x', headers: { ...https, origin: new URL(page.url()).origin.replace(/^http:/, 'https:') } });
  expect(upload.status()).toBe(401);
  expect(upload.headersArray().filter((h) => h.name.toLowerCase() === 'strict-transport-security').map((h) => h.value)).toEqual([hsts]);
});

test('over HTTP: server actions too large or unreadable get 413 / 400 with the reason, a webhook GET 405, a curl -F upload is staged', async ({ page }) => {
  await page.goto('/login');
  const own = new URL(page.url()).origin;
  const action = (data: string | Buffer, headers: Record<string, string> = {}) =>
    page.request.post('/login', { data, headers: { 'next-action': '7f00aa11bb22cc33dd44ee55ff66778899aabbccdd', origin: own, 'content-type': 'text/plain;charset=UTF-8', ...headers } });
  const big = await action(`["${'x'.repeat(1024 * 1024)}"]`);
  expect(big.status()).toBe(413);
  expect(await big.text()).toMatch(/larger than the 1 MB limit of a Paidline form \(1,048,576 bytes\)/);
  const garbage = await action('this is not what a browser sends');
  expect(garbage.status()).toBe(400);
  expect(await garbage.text()).toBe('Refused: the form sent cannot be read (not JSON). Reload the page and submit it again.');

  const webhook = await page.request.get('/api/webhooks/does-not-exist');
  expect(webhook.status()).toBe(405);
  expect(webhook.headers()['allow']).toBe('POST');

  await signIn(page, 'analyst');
  const db = createClient({ url: `file:./data/e2e-${process.env.E2E_PORT ?? 3100}.db` });
  const sourceId = String((await db.execute('SELECT id FROM "Source" WHERE "archivedAt" IS NULL ORDER BY "createdAt" LIMIT 1')).rows[0]![0]);
  const file = 'TransactionID,Date,Amount,Status\nTX-MP1,2024-07-01,"1,00",Paid\n';
  const staged = await page.request.post(`/api/sources/${sourceId}/uploads`, {
    headers: { origin: own },
    multipart: { file: { name: 'multipart.csv', mimeType: 'text/csv', buffer: Buffer.from(file) } },
  });
  expect(staged.status()).toBe(201);
  const body = (await staged.json()) as { staged: { ingestionId: string; size: number } };
  expect(body.staged.size).toBe(Buffer.byteLength(file));
  const row = await db.execute({ sql: 'SELECT "fileName", status FROM "Ingestion" WHERE id = ?', args: [body.staged.ingestionId] });
  expect(row.rows[0]).toMatchObject({ fileName: 'multipart.csv', status: 'staged' });
  db.close();
});

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { expectNoSeriousA11yViolations, signIn } from './helpers';

/** A fake Telegram Bot API the app server calls (configured as the Bot API base URL). */
async function startFakeBotApi() {
  const calls: { method: string; body: Record<string, unknown> }[] = [];
  let messageId = 500;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = /\/bot[^/]+\/(\w+)$/.exec(req.url ?? '')?.[1] ?? '?';
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      calls.push({ method, body });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true, result: method === 'sendMessage' ? { message_id: messageId++, chat: { id: Number(body.chat_id) } } : true }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test('an admin connects the support bot; a reviewer escalates a discrepancy and sees it recorded and sent', async ({ page }) => {
  test.setTimeout(90_000);
  const bot = await startFakeBotApi();
  try {
    await signIn(page, 'admin');
    await page.goto('/settings/notifications');
    await expect(page.getByRole('heading', { level: 1, name: 'Notifications' })).toBeVisible();
    await page.getByLabel('Bot token').fill('123456789:AAtestTOKENforE2Eonly_abcdefgh');
    await page.getByLabel('Bot API base URL').fill(bot.url);
    await page.getByLabel('Default chat id').fill('-100555');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(page.getByTestId('settings-result')).toHaveText('Saved.');
    // The token is stored encrypted and never shown back.
    await expect(page.getByLabel('Bot token')).toHaveValue('');
    await expect(page.getByLabel('Bot token')).toHaveAttribute('placeholder', /Stored \(encrypted\)/);
    await page.screenshot({ path: 'test-results/notifications-settings.png', fullPage: true });
    await expectNoSeriousA11yViolations(page);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login/);

    await signIn(page, 'reviewer');
    await page.goto('/discrepancies?severity=critical&state=open');
    const first = page.getByTestId('discrepancy-table').locator('tbody tr a').first();
    const key = (await first.innerText()).trim();
    await first.click();
    await expect(page.getByRole('heading', { level: 1, name: key })).toBeVisible();
    await page.getByLabel(/^Why escalate/).fill('Gateway says Paid, the bank has nothing: needs the payments team today');
    await page.getByRole('button', { name: 'Escalate to the support chat' }).click();
    await expect(page.getByTestId('escalate-message')).toContainText('Escalated: the support chat gets the message');
    await expect(page.getByTestId('row-state')).toHaveText('Escalated');
    const escalations = page.getByTestId('escalations');
    await expect(escalations).toContainText('reviewer@demo.paidline.app');
    await expect(escalations).toContainText('needs the payments team today');
    await expect(page.getByTestId('audit-trail')).toContainText('Escalate');

    // The bot got the facts with the buttons; the page shows the delivery as sent.
    await expect.poll(() => bot.calls.filter((c) => c.method === 'sendMessage').length, { timeout: 15_000 }).toBe(1);
    const sent = bot.calls.find((c) => c.method === 'sendMessage')!.body;
    expect(sent.chat_id).toBe('-100555');
    expect(String(sent.text)).toContain(key);
    const buttons = (sent.reply_markup as { inline_keyboard: { text: string }[][] }).inline_keyboard.flat().map((b) => b.text);
    expect(buttons).toEqual(['Acknowledge', 'Resolve as recommended', 'Open']);
    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId('escalations')).toContainText('Sent', { timeout: 1_000 });
    }).toPass({ timeout: 15_000 });
    await page.screenshot({ path: 'test-results/escalation-detail.png', fullPage: true });
    await expectNoSeriousA11yViolations(page);

    // The alert history lists it with its delivery state.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Alerts/ }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Alerts' })).toBeVisible();
    const history = page.getByTestId('alert-history');
    await expect(history).toContainText(`Escalated: ${key}`);
    await expect(history.getByTestId('delivery').first()).toContainText('Sent');
    await page.screenshot({ path: 'test-results/alerts-history.png', fullPage: true });
    await expectNoSeriousA11yViolations(page);
  } finally {
    await bot.close();
  }
});

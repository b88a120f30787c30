import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { expectNoSeriousA11yViolations, gotoSettled, signIn } from './helpers';

test.describe('data quality and the monthly report', () => {
  test('an analyst reads the data-quality page and downloads a figure as CSV', async ({ page }) => {
    await signIn(page, 'analyst');
    await page.getByRole('link', { name: /Data quality/ }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Data quality' })).toBeVisible();

    // Charts render (recharts draws SVG in the browser) for the rate trend, reasons and backlog.
    for (const figure of ['runs', 'reasons', 'backlog', 'resolution-severity']) {
      await expect(page.getByTestId(`figure-${figure}`).locator('svg.recharts-surface').first()).toBeVisible();
    }
    // The demo's decisions: two people and the automatic rules; the blocked ERP export; every source listed.
    await expect(page.getByTestId('reviewer-table')).toContainText('reviewer@demo.paidline.app');
    await expect(page.getByTestId('reviewer-table')).toContainText('admin@demo.paidline.app');
    await expect(page.getByTestId('figure-automatic')).toContainText('settled automatically');
    await expect(page.getByTestId('drift-table')).toContainText('ERP');
    await expect(page.getByTestId('freshness-table')).toContainText('Card gateway');
    await page.screenshot({ path: 'test-results/quality-page.png', fullPage: true });

    // The backlog CSV: one row per age bucket, adding up to the open backlog shown on the page.
    const backlog = Number((await page.getByTestId('kpi-backlog').innerText()).replace(/[^0-9]/g, ''));
    expect(backlog).toBeGreaterThan(0);
    const download = page.waitForEvent('download');
    await page.getByTestId('csv-backlog').click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('paidline-quality-backlog-90.csv');
    const lines = readFileSync(await file.path(), 'utf8').trim().split(/\r?\n/);
    expect(lines[0]).toBe('run_id,age,open_discrepancies');
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(['0–7 days', '8–30 days', '31–90 days', 'Over 90 days', 'No date']);
    expect(lines.slice(1).reduce((s, l) => s + Number(l.split(',')[2]), 0)).toBe(backlog);

    // The freshness CSV lists every source the table shows.
    const download2 = page.waitForEvent('download');
    await page.getByTestId('csv-freshness').click();
    const fresh = readFileSync(await (await download2).path(), 'utf8').trim().split(/\r?\n/);
    expect(fresh[0]).toBe('source,kind,last_upload,last_pull,last_webhook,last_data,age_hours,status');
    expect(fresh.length - 1).toBe(await page.getByTestId('freshness-table').locator('tbody tr').count());
    expect(fresh.some((l) => l.startsWith('ERP,erp,'))).toBe(true);

    await expectNoSeriousA11yViolations(page);
    await expect(page.getByRole('link', { name: 'Reports' })).toHaveCount(0); // analysts do not get the executive report
  });

  test('an executive opens the monthly report, whose ROMI is the dashboard\'s, and prints it to PDF', async ({ page }) => {
    await signIn(page, 'executive');
    // The dashboard's figures for October 2026.
    await gotoSettled(page, '/dashboard?from=2026-10-01&to=2026-10-31');
    const romi = await page.getByTestId('kpi-romi-USD').innerText();
    const revenue = await page.getByTestId('kpi-revenue-USD').innerText();

    await page.getByRole('link', { name: /Reports/ }).click();
    await page.getByRole('link', { name: 'October 2026' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Monthly report · October 2026');
    await expect(page.getByTestId('report-romi-USD')).toHaveText(romi);
    await expect(page.getByTestId('report-revenue-USD')).toHaveText(revenue);
    await expect(page.getByTestId('report-channels').locator('tbody tr')).not.toHaveCount(0);
    await expect(page.getByTestId('report-health')).toBeVisible();
    await expect(page.getByTestId('risk-drift')).toBeVisible();
    await expect(page.getByTestId('print-report')).toBeVisible();
    await expectNoSeriousA11yViolations(page);
    await page.screenshot({ path: 'test-results/monthly-report.png', fullPage: true });

    // Print: the sidebar and buttons go, the report fits A4.
    await page.emulateMedia({ media: 'print' });
    await expect(page.locator('.sidebar')).toBeHidden();
    await expect(page.getByTestId('print-report')).toBeHidden();
    const pdf = await page.pdf({ format: 'A4', printBackground: true, path: 'test-results/monthly-report.pdf' });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
    expect(pages).toBeGreaterThanOrEqual(1);
    expect(pages).toBeLessThanOrEqual(4);
  });
});

import { describe, expect, it } from 'vitest';
import { escalationKeyboard, parseCallbackData, alertText } from '@/lib/features/alerts/telegram/format';
import { type ResultDetail, type SourceSide } from '@/lib/reconcile/result-detail';
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs } from './backoff';
import { isGatewayPaidBankNot } from './checks';
import { absoluteLink, isButtonUrl } from './links';
import { configSchema, DEFAULT_CONFIG, telegramChatFor } from './settings';
import { signAlertBody, verifyAlertSignature } from './sign';

const side = (kind: string, status: string | null): SourceSide => ({
  sourceId: kind, name: kind, kind, present: status !== null, count: status ? 1 : 0, recordId: null, status, code: status, amountMinor: status ? '100' : null, currency: 'USD', date: null, line: null, snapshots: 0,
});
const detail = (gateway: string | null, bank: string | null): ResultDetail => ({ sources: [side('gateway', gateway), side('bank', bank)], corrections: [], violations: [] });

describe('alert building blocks', () => {
  it('backs off 30 s, 1 min, 2 min… capped at 1 h, and honours a longer retry_after', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(retryDelayMs(20)).toBe(3_600_000);
    expect(retryDelayMs(1, 90)).toBe(90_000);
    expect(retryDelayMs(3, 5)).toBe(120_000);
    expect(MAX_DELIVERY_ATTEMPTS).toBeGreaterThan(3);
  });

  it('signs timestamp.body and verifies in constant time with a tolerance', () => {
    const header = signAlertBody('s3cret', '{"a":1}', 1_700_000_000);
    expect(header.startsWith('t=1700000000,v1=')).toBe(true);
    expect(header.split('v1=')[1]).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyAlertSignature('s3cret', '{"a":1}', header, { nowSeconds: 1_700_000_100 })).toBe(true);
    expect(verifyAlertSignature('s3cret', '{"a":2}', header, { nowSeconds: 1_700_000_100 })).toBe(false);
    expect(verifyAlertSignature('s3cret', '{"a":1}', header, { nowSeconds: 1_700_001_000 })).toBe(false);
    expect(verifyAlertSignature('s3cret', '{"a":1}', 't=1700000000,v1=zz', { nowSeconds: 1_700_000_000 })).toBe(false);
  });

  it('flags the critical case: gateway Paid while the bank says Failed or has nothing', () => {
    expect(isGatewayPaidBankNot(detail('Paid', 'Failed'))).toBe(true);
    expect(isGatewayPaidBankNot(detail('Paid', null))).toBe(true);
    expect(isGatewayPaidBankNot(detail('Paid', 'Pending'))).toBe(false);
    expect(isGatewayPaidBankNot(detail('Paid', 'Paid'))).toBe(false);
    expect(isGatewayPaidBankNot(detail('Pending', null))).toBe(false);
    expect(isGatewayPaidBankNot({ sources: [side('gateway', 'Paid'), side('crm', null)], corrections: [], violations: [] })).toBe(false);
  });

  it('picks the Telegram chat by severity, then team, then the default', () => {
    const config = configSchema.parse({ telegram: { defaultChatId: '-1', severityChats: { critical: '-2' }, teamChats: { data: '-3' } } });
    expect(telegramChatFor(config, 'run_failed', 'critical')).toBe('-2');
    expect(telegramChatFor(config, 'schema_drift', 'warning')).toBe('-3');
    expect(telegramChatFor(config, 'run_failed', 'warning')).toBe('-1');
    expect(telegramChatFor(DEFAULT_CONFIG, 'run_failed', 'warning')).toBeNull();
    expect(() => configSchema.parse({ telegram: { defaultChatId: 'not a chat' } })).toThrow(/chat id/);
  });

  it('uses a url button for Open only on a public https address', () => {
    expect(isButtonUrl('https://paidline.example.com/x')).toBe(true);
    expect(isButtonUrl('http://paidline.example.com/x')).toBe(false);
    expect(isButtonUrl('https://localhost/x')).toBe(false);
    expect(absoluteLink('/discrepancies/1', { PAIDLINE_PUBLIC_URL: 'https://p.example.com/' } as unknown as NodeJS.ProcessEnv)).toBe('https://p.example.com/discrepancies/1');
    const keyboard = escalationKeyboard('esc1', '/discrepancies/1', 'open');
    expect(keyboard.inline_keyboard.flat().map((b) => ('callback_data' in b ? b.callback_data : b.url))).toEqual(['ack:esc1', 'res:esc1', 'open:esc1']);
    expect(escalationKeyboard('esc1', 'https://p.example.com/discrepancies/1', 'resolved').inline_keyboard).toEqual([[{ text: 'Open', url: 'https://p.example.com/discrepancies/1' }]]);
    expect(parseCallbackData('res:esc1')).toEqual({ verb: 'res', escalationId: 'esc1' });
    expect(parseCallbackData('rm:esc1')).toBeNull();
    expect(parseCallbackData(undefined)).toBeNull();
  });

  it('escapes HTML in Telegram messages', () => {
    const text = alertText({ title: 'Key <b>&', severity: 'critical' }, { lines: ['a < b'] }, 'Done');
    expect(text).toContain('Key &lt;b&gt;&amp;');
    expect(text).toContain('a &lt; b');
    expect(text).toContain('<b>Done</b>');
  });
});

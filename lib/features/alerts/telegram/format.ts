/**
 * Telegram message text (HTML parse mode) and inline keyboards for alerts and escalations.
 * Callback data stays under Telegram's 64-byte limit: "<verb>:<escalation id>".
 */
import type { AlertPayload } from '@/lib/features/alerts/raise';
import { absoluteLink, isButtonUrl } from '@/lib/features/alerts/links';
import type { InlineButton, ReplyMarkup } from './api';

export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

const SEVERITY_MARK: Record<string, string> = { critical: '🔴', warning: '🟠', info: '🔵' };

/** The message body: severity mark and title, the payload's lines, the link, held-back count, outcome. */
export function alertText(alert: { title: string; severity: string; count?: number }, payload: AlertPayload, outcome?: string | null): string {
  const parts = [`${SEVERITY_MARK[alert.severity] ?? ''} <b>${escapeHtml(alert.title)}</b>`.trim()];
  for (const line of payload.lines) parts.push(escapeHtml(line));
  if (payload.link) parts.push(`<a href="${escapeHtml(absoluteLink(payload.link))}">Open in Paidline</a>`);
  if (payload.heldBack) parts.push(`<i>${payload.heldBack} similar alert(s) were held back in the last hour (throttled): see the alert history.</i>`);
  if (outcome) parts.push('', `<b>${escapeHtml(outcome)}</b>`);
  return parts.join('\n').slice(0, 4000);
}

export type CallbackVerb = 'ack' | 'res' | 'open';

export function callbackData(verb: CallbackVerb, escalationId: string): string {
  return `${verb}:${escalationId}`;
}

export function parseCallbackData(data: string | undefined): { verb: CallbackVerb; escalationId: string } | null {
  const m = /^(ack|res|open):([A-Za-z0-9_-]{1,60})$/.exec(data ?? '');
  return m ? { verb: m[1] as CallbackVerb, escalationId: m[2]! } : null;
}

/** "Open" is a url button when the public URL is https; otherwise a callback that replies with the link. */
function openButton(escalationId: string, link: string | undefined): InlineButton {
  const url = link ? absoluteLink(link) : null;
  return url && isButtonUrl(url) ? { text: 'Open', url } : { text: 'Open', callback_data: callbackData('open', escalationId) };
}

/** Buttons of an escalation message; once it is resolved only Open stays. */
export function escalationKeyboard(escalationId: string, link: string | undefined, state: 'open' | 'acknowledged' | 'resolved'): ReplyMarkup {
  const rows: InlineButton[][] = [];
  if (state !== 'resolved') {
    const first: InlineButton[] = [];
    if (state === 'open') first.push({ text: 'Acknowledge', callback_data: callbackData('ack', escalationId) });
    first.push({ text: 'Resolve as recommended', callback_data: callbackData('res', escalationId) });
    rows.push(first);
  }
  rows.push([openButton(escalationId, link)]);
  return { inline_keyboard: rows };
}

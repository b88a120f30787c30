/** Telegram: the bot sends the alert to the chat for its severity or team; escalations carry their buttons. */
import { TelegramApiError, telegramClient } from '../telegram/api';
import { alertText, escalationKeyboard } from '../telegram/format';
import { telegramChatFor } from '../settings';
import { DeliveryError, type AlertChannel, type Job } from './types';

export const telegramChannel: AlertChannel = {
  id: 'telegram',
  target: (settings, kind, severity) => {
    const chat = telegramChatFor(settings.config, kind, severity);
    return chat && settings.secrets.telegramBotToken ? chat : null;
  },
  send: sendTelegram,
};

async function sendTelegram({ delivery, alert, payload, settings, db }: Job): Promise<string | null> {
  const token = settings.secrets.telegramBotToken;
  if (!token) throw new DeliveryError('No Telegram bot token is configured (Settings → Notifications).');
  let replyMarkup = undefined;
  let outcome: string | null = null;
  if (payload.escalationId) {
    const esc = await db.escalation.findUnique({ where: { id: payload.escalationId }, select: { state: true, outcome: true } });
    if (esc) {
      replyMarkup = escalationKeyboard(payload.escalationId, payload.link, esc.state as 'open' | 'acknowledged' | 'resolved');
      outcome = esc.outcome;
    }
  }
  const client = telegramClient(settings.config.telegram.apiBaseUrl, token);
  try {
    const result = await client.call<{ message_id: number; chat: { id: number | string } }>('sendMessage', {
      chat_id: delivery.target,
      text: alertText(alert, payload, outcome),
      parse_mode: 'HTML',
      disable_web_page_preview: true,
      ...(replyMarkup ? { reply_markup: replyMarkup } : {}),
    });
    if (payload.escalationId) {
      await db.escalation.updateMany({ where: { id: payload.escalationId }, data: { chatId: String(result.chat?.id ?? delivery.target), messageId: result.message_id } });
    }
    return String(result.message_id);
  } catch (e) {
    if (e instanceof TelegramApiError) throw new DeliveryError(e.message, e.retryAfter);
    throw e;
  }
}

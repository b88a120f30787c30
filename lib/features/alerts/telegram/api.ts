/**
 * A minimal Telegram Bot API client: POST {base}/bot{token}/{method} with a JSON body.
 * The base URL is configurable (Settings → Notifications) so tests talk to a local fake server.
 * Errors carry Telegram's description and, on 429, parameters.retry_after (seconds).
 */
import { isOutboundBlocked, outboundErrorMessage, outboundFetch } from '@/lib/server/http/outbound';

export type InlineButton = { text: string; callback_data: string } | { text: string; url: string };
export type ReplyMarkup = { inline_keyboard: InlineButton[][] };

export class TelegramApiError extends Error {
  override name = 'TelegramApiError';
  constructor(
    message: string,
    readonly status: number,
    /** Seconds Telegram asks us to wait (429). */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

export type TelegramClient = {
  call<T = unknown>(method: string, body: Record<string, unknown>): Promise<T>;
};

const TIMEOUT_MS = 10_000;

export function telegramClient(baseUrl: string, token: string, opts: { timeoutMs?: number } = {}): TelegramClient {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    async call<T>(method: string, body: Record<string, unknown>): Promise<T> {
      let response: Response;
      try {
        response = await outboundFetch(`${base}/bot${token}/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(opts.timeoutMs ?? TIMEOUT_MS),
        });
      } catch (e) {
        // Never echo the URL: it contains the token.
        if (isOutboundBlocked(e)) throw new TelegramApiError(`Telegram ${method}: ${outboundErrorMessage(e)}`, 0);
        throw new TelegramApiError(`Telegram ${method}: the Bot API did not answer (${(e as Error).name === 'TimeoutError' ? 'timeout' : (e as Error).message.replaceAll(token, '***')}).`, 0);
      }
      let json: { ok?: boolean; result?: T; description?: string; parameters?: { retry_after?: number } } = {};
      try {
        json = (await response.json()) as typeof json;
      } catch {
        /* not JSON */
      }
      if (!response.ok || !json.ok) {
        const retryAfter = typeof json.parameters?.retry_after === 'number' ? json.parameters.retry_after : null;
        throw new TelegramApiError(`Telegram ${method} failed (${response.status}): ${(json.description ?? response.statusText ?? 'no description').slice(0, 300)}`, response.status, retryAfter);
      }
      return json.result as T;
    },
  };
}

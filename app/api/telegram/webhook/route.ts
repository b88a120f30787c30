import { readBodyLimited } from '@/lib/features/ingestion/webhooks/handle-request';
import { handleTelegramWebhook } from '@/lib/features/escalation/telegram-webhook';
import { defineRoute } from '@/lib/server/pipeline/route';

/**
 * Telegram's webhook for the support bot: button presses and /link messages. Public by design
 * (no session): Telegram authenticates each call with the X-Telegram-Bot-Api-Secret-Token header
 * set when the webhook was registered (Settings → Notifications), compared in constant time.
 */
export const POST = defineRoute(
  {
    name: '/api/telegram/webhook',
    permission: { public: 'Telegram authenticates each update by the X-Telegram-Bot-Api-Secret-Token header (test/integration/telegram.test.ts).' },
  },
  async (request, { log }) => {
    try {
      const bytes = await readBodyLimited(request, 64 * 1024);
      if (!bytes) return Response.json({ error: 'Update too large.' }, { status: 413 });
      const reply = await handleTelegramWebhook(new TextDecoder().decode(bytes), request.headers.get('x-telegram-bot-api-secret-token'));
      return Response.json(reply.body, { status: reply.status, headers: { 'Cache-Control': 'no-store' } });
    } catch (error) {
      log.error({ err: error }, 'telegram webhook failed');
      // 500: Telegram retries the update later; the update id was not acted on.
      return Response.json({ error: 'The update could not be handled; Telegram will retry.' }, { status: 500 });
    }
  },
);

/**
 * The in-process alert loop: every few seconds it sends due deliveries (deliver.ts); every minute it
 * runs the sweeps (stale sources, webhook signature failures). One small function with an
 * interval, so a job queue (pg-boss, issue 10) can call deliverDueAlerts / runAlertSweeps instead.
 * Started from instrumentation.ts; PAIDLINE_ALERT_LOOP=off disables it on an instance (claims on
 * each delivery row keep several instances from sending twice anyway).
 */
import { getPrisma } from '@/lib/server/db/client';
import { checkSignatureFailures, checkStaleSources } from './checks';
import { deliverDueAlerts } from './deliver';
import { deliverDueWebhookEvents } from './outgoing/deliver';
import { loadNotificationSettings } from './settings';
import { processSlot } from '@/lib/server/core/process-state';
import { loggerFor } from '@/lib/server/observability/logger';

type Client = ReturnType<typeof getPrisma>;

export async function runAlertSweeps(db: Client = getPrisma(), now = new Date()): Promise<{ stale: number; signatureSpikes: number }> {
  const settings = await loadNotificationSettings(db);
  const stale = await checkStaleSources(db, now, settings);
  const signatureSpikes = await checkSignatureFailures(db, now, settings);
  return { stale, signatureSpikes };
}

const slot = processSlot<{ stop: () => void }>('alert-loop');

export function startAlertLoop(opts: { deliverEveryMs?: number; sweepEveryMs?: number } = {}): { stop: () => void } | null {
  if (process.env.PAIDLINE_ALERT_LOOP === 'off') return null;
  const running = slot.get();
  if (running) return running;
  let busy = false;
  let lastSweep = 0;
  const sweepEvery = opts.sweepEveryMs ?? 60_000;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      if (Date.now() - lastSweep >= sweepEvery) {
        lastSweep = Date.now();
        await runAlertSweeps();
      }
      await deliverDueAlerts();
      await deliverDueWebhookEvents();
    } catch (e) {
      loggerFor('alerts').error({ err: e }, 'alert loop failed');
    } finally {
      busy = false;
    }
  };
  const interval = setInterval(() => void tick(), opts.deliverEveryMs ?? 10_000);
  interval.unref?.();
  const handle = {
    stop: () => {
      clearInterval(interval);
      slot.set(undefined);
    },
  };
  slot.set(handle);
  return handle;
}

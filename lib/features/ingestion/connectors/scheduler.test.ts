import { afterEach, describe, expect, it } from 'vitest';
import { CronScheduler, currentScheduler, startScheduler, startSchedulerOnce, stopScheduler } from './scheduler';
import { InvalidRequestError } from '@/lib/server/core/app-error';
import { validateCron } from './cron';

afterEach(async () => {
  await stopScheduler();
});

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('validateCron', () => {
  it('accepts 5- and 6-field expressions', () => {
    expect(validateCron(' */15 * * * * ')).toBe('*/15 * * * *');
    expect(validateCron('*/5 * * * * *')).toBe('*/5 * * * * *');
  });

  it('rejects bad expressions with a clear message', () => {
    expect(() => validateCron('every day')).toThrow(InvalidRequestError);
    expect(() => validateCron('every day')).toThrow(/use 5 fields \(minute hour day-of-month month day-of-week\)/);
    expect(() => validateCron('61 * * * *')).toThrow(/Invalid pull schedule "61 \* \* \* \*": .*minute/);
    expect(() => validateCron('0 0 31 2 *')).toThrow(/never runs/);
  });
});

describe('CronScheduler', () => {
  it('runs a job on its schedule and never two pulls of a source at once', async () => {
    let active = 0;
    let maxActive = 0;
    const runs: string[] = [];
    const scheduler = new CronScheduler(async (sourceId) => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs.push(sourceId);
      await wait(1500); // longer than the 1 s period
      active--;
    });
    scheduler.schedule({ sourceId: 'a', cron: '* * * * * *' });
    expect(scheduler.scheduled()).toEqual([{ sourceId: 'a', cron: '* * * * * *' }]);
    await wait(3200);
    await scheduler.stop();
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs.length).toBeLessThanOrEqual(2);
    expect(maxActive).toBe(1);
  });

  it('run() reports errors instead of throwing, and stop() cancels running pulls', async () => {
    const failing = new CronScheduler(async () => {
      throw new Error('boom');
    });
    expect(await failing.run('x')).toEqual({ status: 'error', error: 'boom' });
    let aborted = false;
    const slow = new CronScheduler((_id, signal) => new Promise((resolve) => signal.addEventListener('abort', () => { aborted = true; resolve('cancelled'); })));
    const run = slow.run('y');
    expect(await slow.run('y')).toEqual({ status: 'skipped', reason: 'already_running' });
    await slow.stop();
    expect(aborted).toBe(true);
    expect(await run).toEqual({ status: 'ran', result: 'cancelled' });
    expect(() => slow.schedule({ sourceId: 'z', cron: '* * * * *' })).toThrow(/stopped/);
  });

  it('rescheduling with a new expression replaces the old job', () => {
    const s = new CronScheduler(async () => {});
    s.schedule({ sourceId: 'a', cron: '0 * * * *' });
    s.schedule({ sourceId: 'a', cron: '*/5 * * * *' });
    expect(s.scheduled()).toEqual([{ sourceId: 'a', cron: '*/5 * * * *' }]);
    s.unschedule('a');
    expect(s.scheduled()).toEqual([]);
    void s.stop();
  });
});

describe('process-wide scheduler', () => {
  it('starts once, schedules listed sources, skips invalid schedules, and stops', async () => {
    const logs: string[] = [];
    const runs: string[] = [];
    const options = {
      listJobs: async () => [
        { sourceId: 's1', cron: '* * * * * *' },
        { sourceId: 's2', cron: 'nonsense' },
      ],
      runner: async (id: string) => {
        runs.push(id);
      },
      log: (m: string) => logs.push(m),
    };
    const [a, b] = await Promise.all([startSchedulerOnce(options), startSchedulerOnce(options)]);
    expect(a).not.toBeNull();
    expect(a).toBe(b);
    expect(await startScheduler(options)).toBe(a);
    expect(currentScheduler()?.scheduled()).toEqual([{ sourceId: 's1', cron: '* * * * * *' }]);
    expect(logs.some((l) => l.includes('s2') && l.includes('Invalid pull schedule'))).toBe(true);
    await wait(1200);
    expect(runs).toContain('s1');
    await stopScheduler();
    expect(currentScheduler()).toBeNull();
  });

  it('PAIDLINE_SCHEDULER=off keeps it off', async () => {
    process.env.PAIDLINE_SCHEDULER = 'off';
    try {
      expect(await startSchedulerOnce({ listJobs: async () => [] })).toBeNull();
      expect(currentScheduler()).toBeNull();
    } finally {
      delete process.env.PAIDLINE_SCHEDULER;
    }
  });
});

import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverDueAlerts } from '@/lib/features/alerts/deliver';
import { raiseAlert } from '@/lib/features/alerts/raise';
import { saveNotificationSettings } from '@/lib/features/alerts/settings';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { makeActor } from './review-fixtures';

type Mail = { auth: string | null; from: string; to: string[]; data: string };

/**
 * A small SMTP server (RFC 5321 subset: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, QUIT) that
 * records what it is sent. `failMail` answers the next MAIL FROMs with 451 (try again later).
 */
async function startSmtp(expected: { user: string; pass: string }) {
  const mails: Mail[] = [];
  const state = { failMail: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.setEncoding('latin1');
    let buf = '';
    let inData = false;
    let awaitingPlain = false;
    let mail: Mail = { auth: null, from: '', to: [], data: '' };
    const reply = (s: string) => sock.write(`${s}\r\n`);
    const plain = (b64: string) => {
      const [, user, pass] = Buffer.from(b64, 'base64').toString('utf8').split('\0');
      if (user === expected.user && pass === expected.pass) {
        mail.auth = user;
        reply('235 2.7.0 Authentication successful');
      } else reply('535 5.7.8 Authentication credentials invalid');
    };
    const handle = (line: string) => {
      if (inData) {
        if (line === '.') {
          inData = false;
          mails.push(mail);
          mail = { auth: mail.auth, from: '', to: [], data: '' };
          reply('250 2.0.0 Ok: queued');
        } else mail.data += (line.startsWith('..') ? line.slice(1) : line) + '\n';
        return;
      }
      if (awaitingPlain) {
        awaitingPlain = false;
        return plain(line);
      }
      const verb = line.split(' ')[0]!.toUpperCase();
      if (verb === 'EHLO') return reply('250-fake.smtp.test\r\n250-AUTH PLAIN\r\n250-8BITMIME\r\n250 SMTPUTF8');
      if (verb === 'HELO') return reply('250 fake.smtp.test');
      if (verb === 'AUTH') {
        const [, mech, initial] = line.split(' ');
        if (mech?.toUpperCase() !== 'PLAIN') return reply('504 5.5.4 Unrecognized authentication type');
        if (initial) return plain(initial);
        awaitingPlain = true;
        return reply('334 ');
      }
      if (verb === 'MAIL') {
        if (state.failMail > 0) {
          state.failMail--;
          return reply('451 4.3.0 Mailbox temporarily unavailable, try again later');
        }
        mail.from = /<([^>]*)>/.exec(line)?.[1] ?? '';
        return reply('250 2.1.0 Ok');
      }
      if (verb === 'RCPT') {
        mail.to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
        return reply('250 2.1.5 Ok');
      }
      if (verb === 'DATA') {
        inData = true;
        return reply('354 End data with <CR><LF>.<CR><LF>');
      }
      if (verb === 'RSET') {
        mail = { auth: mail.auth, from: '', to: [], data: '' };
        return reply('250 2.0.0 Ok');
      }
      if (verb === 'NOOP') return reply('250 2.0.0 Ok');
      if (verb === 'QUIT') {
        reply('221 2.0.0 Bye');
        return sock.end();
      }
      reply('502 5.5.2 Command not recognized');
    };
    reply('220 fake.smtp.test ESMTP');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        handle(line);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    mails,
    state,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

describe.each(DATABASE_KINDS)('alert e-mail over SMTP on %s', (kind) => {
  let db: TestDatabase;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let adminId = '';

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    smtp = await startSmtp({ user: 'alerts', pass: 's3cret-smtp' });
    adminId = (await makeActor(db.prisma, 'admin')).id;
    await saveNotificationSettings(
      db.prisma,
      {
        config: { email: { host: '127.0.0.1', port: smtp.port, secure: false, user: 'alerts', from: 'Paidline <alerts@example.com>', to: 'finance@example.com, cfo@example.com' } },
        secrets: { smtpPassword: { set: 's3cret-smtp' } },
      },
      adminId,
    );
  });
  afterAll(async () => {
    await smtp?.close();
    await db?.drop();
  });

  it('sends an alert as an authenticated e-mail to every recipient, with its facts and link', async () => {
    const raised = await raiseAlert(db.prisma, {
      rule: 'critical_discrepancy',
      dedupKey: 'run:r1:key:TX1010',
      severity: 'critical',
      title: 'Gateway Paid, bank has nothing: TX1010',
      payload: { lines: ['Key: TX1010', 'Gateway: Paid 125.00 EUR', 'Bank: missing'], link: '/discrepancies/r1/TX1010' },
    });
    expect('alertId' in raised).toBe(true);
    expect(await deliverDueAlerts({ db: db.prisma })).toMatchObject({ attempted: 1, sent: 1 });
    expect(smtp.mails).toHaveLength(1);
    const m = smtp.mails[0]!;
    expect(m.auth).toBe('alerts');
    expect(m.from).toBe('alerts@example.com');
    expect(m.to.sort()).toEqual(['cfo@example.com', 'finance@example.com']);
    expect(m.data).toMatch(/^Subject: \[Paidline critical\] Gateway Paid, bank has nothing: TX1010$/m);
    expect(m.data).toContain('Gateway: Paid 125.00 EUR');
    expect(m.data).toMatch(/\/discrepancies\/r1\/TX1010/);
    const d = await db.prisma.alertDelivery.findFirstOrThrow({ where: { channel: 'email' } });
    expect(d).toMatchObject({ state: 'sent', attempts: 1, target: 'finance@example.com, cfo@example.com' });
  });

  it('a temporary SMTP refusal is retried with backoff and then delivered; nothing is dropped', async () => {
    smtp.state.failMail = 1;
    const raised = await raiseAlert(db.prisma, { rule: 'run_failed', dedupKey: 'run:r2', severity: 'warning', title: 'A reconciliation run failed', payload: { lines: ['disk full'] } });
    const alertId = 'alertId' in raised ? raised.alertId : '';
    const before = smtp.mails.length;
    expect(await deliverDueAlerts({ db: db.prisma })).toMatchObject({ attempted: 1, retrying: 1 });
    let d = await db.prisma.alertDelivery.findFirstOrThrow({ where: { alertId } });
    expect(d.state).toBe('retrying');
    expect(d.lastError).toMatch(/^SMTP: .*451/);
    expect(d.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now());
    expect(smtp.mails.length).toBe(before);
    const later = new Date(d.nextAttemptAt!.getTime() + 1);
    expect(await deliverDueAlerts({ db: db.prisma, now: () => later })).toMatchObject({ sent: 1 });
    d = await db.prisma.alertDelivery.findFirstOrThrow({ where: { alertId } });
    expect(d).toMatchObject({ state: 'sent', attempts: 2 });
    expect(smtp.mails.at(-1)!.data).toContain('disk full');
  });

  it('a wrong SMTP password is a visible delivery error, not a silent drop', async () => {
    await saveNotificationSettings(
      db.prisma,
      {
        config: { email: { host: '127.0.0.1', port: smtp.port, secure: false, user: 'alerts', from: 'alerts@example.com', to: 'finance@example.com' } },
        secrets: { smtpPassword: { set: 'wrong' } },
      },
      adminId,
    );
    const raised = await raiseAlert(db.prisma, { rule: 'run_failed', dedupKey: 'run:r3', severity: 'warning', title: 'Another failure', payload: { lines: [] } });
    const alertId = 'alertId' in raised ? raised.alertId : '';
    expect(await deliverDueAlerts({ db: db.prisma })).toMatchObject({ retrying: 1 });
    const d = await db.prisma.alertDelivery.findFirstOrThrow({ where: { alertId } });
    expect(d.state).toBe('retrying');
    expect(d.lastError).toMatch(/^SMTP: .*(535|[Ii]nvalid)/);
  });
});

/** E-mail through the configured SMTP server (nodemailer). */
import nodemailer from 'nodemailer';
import { absoluteLink } from '../links';
import { RULE_INFO, type AlertKind } from '../rules';
import { DeliveryError, type AlertChannel, type Job } from './types';

export const emailChannel: AlertChannel = {
  id: 'email',
  target: (settings) => (settings.config.email.host && settings.config.email.to ? settings.config.email.to : null),
  send: sendEmail,
};

async function sendEmail({ delivery, alert, payload, settings }: Job): Promise<string | null> {
  const e = settings.config.email;
  if (!e.host) throw new DeliveryError('No SMTP host is configured (Settings → Notifications).');
  const transport = nodemailer.createTransport({
    host: e.host,
    port: e.port,
    secure: e.secure,
    ...(e.user ? { auth: { user: e.user, pass: settings.secrets.smtpPassword ?? '' } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  const lines = [...payload.lines, ...(payload.link ? ['', absoluteLink(payload.link)] : []), ...(payload.heldBack ? ['', `${payload.heldBack} similar alert(s) were held back in the last hour (throttled).`] : [])];
  try {
    const info = await transport.sendMail({
      from: e.from || 'Paidline <alerts@paidline.invalid>',
      to: delivery.target,
      subject: `[Paidline ${alert.severity}] ${alert.title}`.slice(0, 250),
      text: `${lines.join('\n')}\n\nRule: ${RULE_INFO[alert.rule as AlertKind]?.label ?? alert.rule}. Seen ${alert.count} time(s) since ${alert.firstSeenAt.toISOString()}.\n`,
    });
    return info.messageId ?? null;
  } catch (err) {
    throw new DeliveryError(`SMTP: ${(err as Error).message}`.slice(0, 500));
  } finally {
    transport.close();
  }
}

/**
 * Structured JSON logs (pino) to stdout, one line per event, for the log shipper to collect.
 * Level from LOG_LEVEL (trace | debug | info | warn | error | fatal | silent; default info).
 * Secrets never reach the log: passwords, tokens, secrets, cookies and authorization headers are
 * replaced by "[redacted]" wherever they appear as a field (top level or one or two levels down).
 *
 * One per process (lib/server/core/process-state.ts), so Next.js reloads and duplicate module copies share it.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import { processSlot } from '@/lib/server/core/process-state';

const SECRET_KEYS = [
  'password', 'passwordHash', 'newPassword', 'currentPassword', 'token', 'accessToken', 'refreshToken', 'apiKey', 'secret',
  'clientSecret', 'authorization', 'Authorization', 'cookie', 'Cookie', 'set-cookie', 'mfaSecret', 'totp', 'credentials',
];
/** The redacted paths: each key at the top level, and one or two levels down (req.headers.cookie). */
export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`;
  const dot = key.startsWith('[') ? '' : '.';
  return [key, `*${dot}${key}`, `*.*${dot}${key}`];
});

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export function logLevel(value = process.env.LOG_LEVEL): string {
  const v = value?.trim().toLowerCase();
  return v && (LEVELS as readonly string[]).includes(v) ? v : 'info';
}

/** A new logger; tests pass their own destination to read what was written. */
export function createLogger(destination?: DestinationStream, level = logLevel()): Logger {
  return pino(
    {
      level,
      base: { service: 'paidline' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

const slot = processSlot<Logger>('logger');

/** The process-wide logger. */
export function getLogger(): Logger {
  return slot.getOrCreate(createLogger);
}

/** A child logger for one component ("runs", "romi", "ingest"...). */
export function loggerFor(component: string, bindings: Record<string, unknown> = {}): Logger {
  return getLogger().child({ component, ...bindings });
}

import path from 'node:path';
import { AppError } from '@/lib/server/core/app-error';

export const DEFAULT_MAX_UPLOAD_BYTES = 500 * 1024 * 1024;

export function maxUploadBytes(): number {
  const configured = Number(process.env.PAIDLINE_MAX_UPLOAD_BYTES);
  return Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_MAX_UPLOAD_BYTES;
}

export function uploadDir(): string {
  return path.resolve(/*turbopackIgnore: true*/ process.cwd(), process.env.PAIDLINE_UPLOAD_DIR ?? 'data/uploads');
}

/** A byte count as people read it: "500 MB", "1.5 MB", "800 KB", "900 bytes". */
export function formatByteLimit(bytes: number): string {
  const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1).replace(/\.0$/, ''));
  if (bytes >= 1024 * 1024) return `${fmt(bytes / 1024 / 1024)} MB`;
  if (bytes >= 1024) return `${fmt(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

/** 413, with the limit in the route's error body (`limitBytes`). */
export function uploadTooLargeError(limit: number): AppError {
  return new AppError(
    'too_large',
    `The file is larger than the ${formatByteLimit(limit)} upload limit (${limit.toLocaleString('en-US')} bytes). Split it into smaller files, or ask an admin to raise PAIDLINE_MAX_UPLOAD_BYTES.`,
    { details: { limitBytes: limit } },
  );
}

export function emptyUploadError(): AppError {
  return new AppError('invalid_input', 'The file is empty (0 bytes). Choose the export file again and upload it.');
}

/** A staged file that cannot be read: the upload was refused, its file removed, the refusal audited (422, with its id). */
export function uploadRejectedError(message: string, ingestionId: string): AppError {
  return new AppError('unreadable', message, { details: { ingestionId } });
}

/** The upload is not in a state that allows this (409). */
export function ingestionStateError(message: string): AppError {
  return new AppError('conflict', message);
}

/** Whether an error is one of ingestionStateError's. */
export function isIngestionStateError(error: unknown): boolean {
  return error instanceof AppError && error.code === 'conflict';
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;
const MAX_FILE_NAME = 200;

/**
 * The name shown for an upload: only the base name (never a path from the client), without
 * control, bidirectional-override or Windows-forbidden characters, not a Windows device name
 * (CON, NUL, COM1...), at most 200 characters with the extension kept. It is only ever a
 * label: the file itself is stored under a random name in the upload folder.
 */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  let cleaned = base
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '')
    .replace(/[<>:"|?*]/g, '_')
    .trim()
    .replace(/^\.+/, '')
    .replace(/[. ]+$/, '');
  const stem = cleaned.split('.')[0] ?? '';
  if (WINDOWS_RESERVED.test(stem.trim())) cleaned = `_${cleaned}`;
  const chars = [...cleaned];
  if (chars.length > MAX_FILE_NAME) {
    const dot = cleaned.lastIndexOf('.');
    const ext = dot > 0 && cleaned.length - dot <= 10 ? cleaned.slice(dot) : '';
    cleaned = chars.slice(0, MAX_FILE_NAME - [...ext].length).join('') + ext;
  }
  return cleaned || 'upload';
}

/**
 * An upload sent as multipart/form-data (`curl -F file=@payments.csv`, an HTML form) instead of
 * the raw file as the body. The form's one file part is streamed out of the body as it arrives
 * (busboy), never buffered: the caller writes it to disk exactly like a raw body.
 *
 * What the form may hold: one file part, and at most a few small text fields (ignored). A second
 * file, a form without a file, a body that is not well-formed multipart, or one that ends before
 * its closing boundary is refused with a 400 saying how to send the file; the file stream errors
 * (so a partly written file is removed) until the whole form has been read and found well-formed.
 */
import busboy from 'busboy';
import { Readable } from 'node:stream';
import { type ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import { AppError } from '@/lib/server/core/app-error';
import { uploadTooLargeError } from './upload-limits';

/** Framing and small text fields a form may add around the file. */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

const HOW = "Send one file per request: either the raw file as the body (curl --data-binary @payments.csv -H 'X-File-Name: payments.csv') or a form with one file field (curl -F file=@payments.csv).";

export function isMultipart(contentType: string | null): boolean {
  return /^\s*multipart\/form-data\s*(;|$)/i.test(contentType ?? '');
}

function formError(why: string): AppError {
  return new AppError('invalid_input', `${why} ${HOW}`);
}

/**
 * The file part of a multipart upload: its name (from Content-Disposition) and its bytes as a
 * stream. Resolves once the file part starts; rejects (400) when the form has no file part.
 * `maxFileBytes` bounds the whole body too (with MULTIPART_OVERHEAD_BYTES for the framing), so
 * a form padded with junk outside the file part cannot stream forever.
 */
export function multipartFile(
  request: Request,
  opts: { maxFileBytes: number },
): Promise<{ fileName: string | null; body: ReadableStream<Uint8Array> }> {
  const body = request.body;
  if (!body) return Promise.reject(formError('The form is empty.'));
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': request.headers.get('content-type') ?? '' },
      limits: { files: 2, fields: 20, fieldSize: 8 * 1024, fieldNameSize: 200, headerPairs: 20, parts: 22 },
    });
  } catch (e) {
    // No boundary, or a malformed Content-Type.
    return Promise.reject(formError(`The multipart form cannot be read (${e instanceof Error ? e.message : String(e)}).`));
  }

  const maxBodyBytes = opts.maxFileBytes + MULTIPART_OVERHEAD_BYTES;
  const input = Readable.fromWeb(body as unknown as NodeWebReadableStream<Uint8Array>);
  let seen = 0;
  input.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxBodyBytes) fail(uploadTooLargeError(opts.maxFileBytes));
  });

  let failure: AppError | null = null;
  let finished = false;
  let files = 0;
  const waiters: { resolve: () => void; reject: (e: AppError) => void }[] = [];
  let onStart: { resolve: (v: { fileName: string | null; body: ReadableStream<Uint8Array> }) => void; reject: (e: AppError) => void } | null = null;
  let rejectFailed: (e: AppError) => void = () => {};
  const failed = new Promise<never>((_, reject) => (rejectFailed = reject));
  failed.catch(() => {});

  function fail(error: AppError): void {
    if (failure || finished) return;
    failure = error;
    rejectFailed(error);
    input.destroy();
    parser.destroy();
    onStart?.reject(error);
    onStart = null;
    for (const w of waiters.splice(0)) w.reject(error);
  }
  /** Resolves once the whole form has been read and found well-formed. */
  const formDone = () =>
    failure ? Promise.reject(failure) : finished ? Promise.resolve() : new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));

  parser.on('file', (_field, file, info) => {
    // Its errors are the form's: they reach the caller through fail() and the stream below.
    file.on('error', () => {});
    files++;
    if (files > 1) {
      file.resume();
      fail(formError('The form carries more than one file.'));
      return;
    }
    // A web stream over the part: it closes only once the rest of the form checks out.
    const reader = file[Symbol.asyncIterator]();
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          // Raced with a failure elsewhere in the form: a destroyed parser may leave the part hanging.
          const next = await Promise.race([reader.next(), failed]);
          if (!next.done) return controller.enqueue(new Uint8Array(next.value as Buffer));
          await formDone();
          controller.close();
        } catch (e) {
          fail(formError(`The multipart form cannot be read (${e instanceof Error ? e.message : String(e)}).`));
          controller.error(failure ?? e);
        }
      },
      cancel() {
        file.resume();
        fail(formError('The upload was stopped.'));
      },
    });
    onStart?.resolve({ fileName: info.filename ?? null, body: stream });
    onStart = null;
  });
  parser.on('field', () => {});
  parser.on('filesLimit', () => fail(formError('The form carries more than one file.')));
  parser.on('fieldsLimit', () => fail(formError('The form carries too many fields.')));
  parser.on('partsLimit', () => fail(formError('The form carries too many parts.')));
  parser.on('error', (e: unknown) => fail(formError(`The multipart form cannot be read (${e instanceof Error ? e.message : String(e)}).`)));
  parser.on('close', () => {
    if (failure) return;
    if (files === 0) return fail(formError('The form has no file in it.'));
    finished = true;
    for (const w of waiters.splice(0)) w.resolve();
  });
  input.on('error', (e) => fail(e instanceof AppError ? e : formError(`The upload broke off (${e.message}).`)));

  return new Promise((resolve, reject) => {
    onStart = { resolve, reject };
    input.pipe(parser);
  });
}

/**
 * An upload arriving as an HTTP request (the browser's streaming upload and the API's): the raw
 * body, or one multipart/form-data file part, streamed to disk while hashed (never held in memory)
 * within the upload limit, then previewed with a suggested mapping. A file already committed for
 * the source comes back as a duplicate, without a preview.
 */
import { AppError, NotFoundError } from '@/lib/server/core/app-error';
import { isMultipart, multipartFile, MULTIPART_OVERHEAD_BYTES } from './multipart-upload';
import { previewOrReject, type IngestionPreview } from './preview-ingestion';
import { getSource } from './sources';
import { stageUpload, type StagedUpload } from './stage-upload';
import { emptyUploadError, maxUploadBytes, uploadTooLargeError } from './upload-limits';

export async function receiveUpload(request: Request, sourceId: string, actor: { id: string; email: string }): Promise<{ staged: StagedUpload; preview: IngestionPreview | null }> {
  const source = await getSource(sourceId);
  if (!source || source.archivedAt) throw new NotFoundError('This source does not exist.');
  const limit = maxUploadBytes();
  const multipart = isMultipart(request.headers.get('content-type'));
  const declared = Number(request.headers.get('content-length') ?? 'NaN');
  if (Number.isFinite(declared) && declared > limit + (multipart ? MULTIPART_OVERHEAD_BYTES : 0)) throw uploadTooLargeError(limit);
  if (!request.body) throw emptyUploadError();
  let fileName: string | null = null;
  try {
    const header = request.headers.get('x-file-name');
    if (header !== null) fileName = decodeURIComponent(header);
  } catch {
    throw new AppError('invalid_input', 'The file name is not valid. Rename the file and try again.');
  }
  let body: ReadableStream<Uint8Array> = request.body;
  if (multipart) {
    const part = await multipartFile(request, { maxFileBytes: limit });
    body = part.body;
    fileName ??= part.fileName;
  }
  const staged = await stageUpload({ sourceId, fileName: fileName || 'upload', body, actor, maxBytes: limit });
  if (staged.duplicateOf) return { staged, preview: null };
  return { staged, preview: await previewOrReject(staged.ingestionId, { actor }) };
}

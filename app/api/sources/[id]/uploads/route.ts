import { NextResponse } from 'next/server';
import { requireApi } from '@/lib/auth/guard';
import { getSource } from '@/lib/db/sources';
import { IngestionStateError, maxUploadBytes, previewIngestion, stageUpload, UploadTooLargeError } from '@/lib/db/ingestions';

export const dynamic = 'force-dynamic';

/**
 * Streaming upload: the raw file is the request body (not multipart, not a server
 * action), written to disk while hashed, then previewed. X-File-Name carries the
 * URI-encoded file name.
 */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const user = await requireApi('data:upload');
  if (user instanceof NextResponse) return user;
  const { id } = await params;
  const source = await getSource(id);
  if (!source || source.archivedAt) return NextResponse.json({ error: 'This source does not exist.' }, { status: 404 });

  const limit = maxUploadBytes();
  const declared = Number(request.headers.get('content-length') ?? 'NaN');
  if (Number.isFinite(declared) && declared > limit) {
    return NextResponse.json({ error: new UploadTooLargeError(limit).message }, { status: 413 });
  }
  if (!request.body) return NextResponse.json({ error: 'The upload is empty. Choose a file and try again.' }, { status: 400 });
  let fileName = 'upload';
  try {
    fileName = decodeURIComponent(request.headers.get('x-file-name') ?? 'upload');
  } catch {
    return NextResponse.json({ error: 'The file name is not valid. Rename the file and try again.' }, { status: 400 });
  }

  try {
    const staged = await stageUpload({ sourceId: id, fileName, body: request.body, actor: user, maxBytes: limit });
    if (staged.size === 0) return NextResponse.json({ error: 'The file is empty.' }, { status: 400 });
    if (staged.duplicateOf) return NextResponse.json({ staged, preview: null }, { status: 200 });
    try {
      const preview = await previewIngestion(staged.ingestionId);
      return NextResponse.json({ staged, preview }, { status: 201 });
    } catch (error) {
      return NextResponse.json({ staged, preview: null, error: `The file could not be read: ${(error as Error).message}` }, { status: 422 });
    }
  } catch (error) {
    if (error instanceof UploadTooLargeError) return NextResponse.json({ error: error.message }, { status: 413 });
    if (error instanceof IngestionStateError) return NextResponse.json({ error: error.message }, { status: 409 });
    throw error;
  }
}

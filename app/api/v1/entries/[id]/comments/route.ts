import { endpoints } from '@/lib/api';
import { addComment } from '@/lib/features/review/resolve';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const POST = defineApiRoute(endpoints.commentEntry, async ({ params, body, user }) => addComment(params.id, body.body, user));

import { endpoints } from '@/lib/api';
import { undoResolution } from '@/lib/features/review/resolve';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const POST = defineApiRoute(endpoints.undoEntry, async ({ params, user }) => undoResolution(params.id, user));

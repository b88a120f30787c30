import { endpoints } from '@/lib/api';
import { actionsFor } from '@/lib/domain/permissions';
import { defineApiRoute } from '@/lib/server/pipeline/api';

export const dynamic = 'force-dynamic';

export const GET = defineApiRoute(endpoints.getMe, async ({ user }) => ({
  user: { id: user.id, email: user.email, name: user.name, role: user.role },
  token: { id: user.tokenId, readOnly: user.readOnly },
  // The role's permissions; a read-only token uses them for reading only.
  permissions: actionsFor(user.role),
}));

import { NextResponse } from 'next/server';
import { actionsFor } from '@/lib/domain/permissions';
import { defineRoute } from '@/lib/server/pipeline/route';

/** The signed-in user and what the permission matrix lets them do. */
export const GET = defineRoute({ name: '/api/me', permission: 'account:manage' }, async (_request, { user }) =>
  NextResponse.json({ user, permissions: actionsFor(user.role) }),
);

import type { NextRequest } from 'next/server';
import { handlers } from '@/lib/auth/auth';
import { defineRoute } from '@/lib/server/pipeline/route';

const AUTH_JS = { public: 'Auth.js sign-in endpoints: they are how a session starts.' };

export const GET = defineRoute({ name: '/api/auth/[...nextauth]', permission: AUTH_JS }, async (request) => handlers.GET(request as NextRequest));
export const POST = defineRoute({ name: '/api/auth/[...nextauth]', permission: AUTH_JS }, async (request) => handlers.POST(request as NextRequest));

import NextAuth from 'next-auth';
import { NextResponse } from 'next/server';
import { authConfig } from '@/lib/auth/config';
import { isPublicPath } from '@/lib/auth/public-paths';

const { auth } = NextAuth(authConfig);

/**
 * First line of defence: signed-out page requests go to /login, signed-out API
 * requests get 401. Permissions are checked again by every page, action and
 * route handler (lib/auth/guard.ts), which also answers 403.
 */
export default auth((req) => {
  const { pathname, search } = req.nextUrl;
  if (isPublicPath(pathname) || req.auth?.user) return NextResponse.next();

  if (pathname.startsWith('/api/')) {
    return NextResponse.json({ error: 'Sign in to use this API.' }, { status: 401 });
  }
  const login = new URL('/login', req.nextUrl.origin);
  if (pathname !== '/') login.searchParams.set('callbackUrl', `${pathname}${search}`);
  return NextResponse.redirect(login);
});

export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico|favicon.svg|robots.txt|images/).*)'],
};

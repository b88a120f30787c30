import { getToken } from 'next-auth/jwt';
import { NextResponse, type NextRequest } from 'next/server';
import { isPublicPath } from '@/lib/auth/public-paths';

/**
 * First line of defence: signed-out page requests go to /login, signed-out API
 * requests get 401. Permissions are checked again by every page, action and
 * route handler (lib/auth/guard.ts), which also answers 403.
 *
 * The session is only read here, never re-issued: a response racing a sign-out
 * (a link prefetch, say) must not put the session cookie back.
 */
async function signedIn(req: NextRequest): Promise<boolean> {
  const secret = process.env.AUTH_SECRET;
  if (!secret) return false;
  // Secure cookies carry the __Secure- prefix; which one is set depends on how the app is reached.
  for (const secureCookie of [true, false]) {
    const token = await getToken({ req, secret, secureCookie });
    if (token?.uid) return true;
  }
  return false;
}

export default async function proxy(req: NextRequest) {
  const { pathname, search } = req.nextUrl;
  if (isPublicPath(pathname) || (await signedIn(req))) return NextResponse.next();

  if (pathname.startsWith('/api/')) {
    return NextResponse.json({ error: 'Sign in to use this API.' }, { status: 401 });
  }
  const login = new URL('/login', req.nextUrl.origin);
  if (pathname !== '/') login.searchParams.set('callbackUrl', `${pathname}${search}`);
  return NextResponse.redirect(login);
}

export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico|favicon.svg|robots.txt|images/).*)'],
};

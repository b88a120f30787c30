import NextAuth from 'next-auth';
import { NextRequest } from 'next/server';
import { authOptions } from './options';
import { clientFacingUrl } from './security-headers';

export { MfaRequired, SignInHeld } from './options';

const nextAuth = NextAuth(authOptions);
export const { auth, signIn, signOut } = nextAuth;

/** Auth.js's /api/auth/* handlers, seeing the URL the client used (https behind a proxy: Secure cookies). */
export const handlers = {
  GET: (req: NextRequest) => nextAuth.handlers.GET(new NextRequest(clientFacingUrl(req.url, req.headers), req)),
  POST: (req: NextRequest) => nextAuth.handlers.POST(new NextRequest(clientFacingUrl(req.url, req.headers), req)),
};

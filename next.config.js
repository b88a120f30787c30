// @ts-check

/** What proxy.ts's matcher leaves out, apart from the upload route (which sets HSTS itself). */
const STATIC_PATHS = ['/_next/static/:path*', '/_next/image', '/favicon.ico', '/favicon.svg', '/robots.txt', '/images/:path*'];

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  // A separate build folder lets two checkouts' test runs share one working tree (NEXT_DIST_DIR=.next-b).
  distDir: process.env.NEXT_DIST_DIR || '.next',
  poweredByHeader: false,
  // `npm test` and CI type-check the whole tree (tests included) with `tsc`; the build does not repeat it.
  typescript: { ignoreBuildErrors: true },
  // Native and WASM packages are loaded by Node at run time, not bundled.
  serverExternalPackages: [
    '@node-rs/argon2',
    '@libsql/client',
    'libsql',
    '@prisma/adapter-libsql',
    '@prisma/adapter-pg',
    'pg',
    'ioredis',
    '@prisma/schema-engine-wasm',
    'exceljs',
  ],
  experimental: {
    // forbidden() renders app/forbidden.tsx with a 403 status.
    authInterrupts: true,
  },
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
          { key: 'X-Frame-Options', value: 'DENY' },
          // Paidline needs no camera, microphone, location, payment or USB access, nor ad topics.
          { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()' },
        ],
      },
      // Static files bypass the proxy (its matcher in proxy.ts), which sets HSTS on everything else:
      // they get it here, when the client came over HTTPS through a TLS-terminating proxy. Only on
      // these paths, so no response carries the header twice.
      ...STATIC_PATHS.map((source) => ({
        source,
        has: [{ type: 'header', key: 'x-forwarded-proto', value: '\\s*https\\s*(,.*)?' }],
        headers: [{ key: 'Strict-Transport-Security', value: 'max-age=63072000; includeSubDomains' }],
      })),
      {
        // The streaming upload route bypasses the proxy (which sets the pages' nonce-based policy):
        // it answers JSON only, so nothing may load or frame it.
        source: '/api/sources/:id/uploads',
        headers: [{ key: 'Content-Security-Policy', value: "default-src 'none'; frame-ancestors 'none'" }],
      },
    ];
  },
};

module.exports = nextConfig;

// @ts-check

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

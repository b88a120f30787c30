import { buildOpenApi, ENDPOINTS } from '@/lib/api';
import { defineRoute } from '@/lib/server/pipeline/route';

export const dynamic = 'force-static';

/** The OpenAPI 3.1 document of /api/v1, generated from the contract (public: it holds no data). */
export const GET = defineRoute(
  { name: '/api/v1/openapi.json', permission: { public: 'The API description holds no data; tools fetch it to generate clients.' } },
  async () => Response.json(buildOpenApi(ENDPOINTS), { headers: { 'Cache-Control': 'public, max-age=300' } }),
);

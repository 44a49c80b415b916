// The subscribe API behind API Gateway (HTTP API, payload format 2.0): one route table, HTML for
// browsers and JSON for scripts. Local mode serves the same handler under /api/.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { systemClock } from '../adapters/clocks.ts';
import { handleApiRequest } from '../app/newsletter/http-api.ts';
import { publishedCategories } from '../app/post-index/post-index.ts';
import { config, currentSite, log, mailer, newsletter, signer, state } from './newsletter-deps.ts';

const deps = { newsletter, mailer, signer, clock: systemClock, log };

/** Answers one HTTP request of the subscribe API. */
export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const site = await currentSite('the subscribe API is closed');
  if (site === undefined)
    return {
      statusCode: 503,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: 'Subscriptions are closed for maintenance.\n',
    };
  const headers = Object.fromEntries(
    Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const body = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body
    : '';
  const response = await handleApiRequest(
    deps,
    { site, apiUrl: config.apiUrl ?? apiUrlOf(event), categories: () => publishedCategories(state) },
    {
      method: event.requestContext.http.method,
      path: event.rawPath.slice(stagePrefix(event).length) || '/',
      query: new URLSearchParams(event.rawQueryString ?? ''),
      headers,
      body,
      sourceIp: event.requestContext.http.sourceIp,
    },
  );
  return { statusCode: response.status, headers: response.headers, body: response.body };
}

/**
 * The API's own base URL, from the request, unless the environment names it (local mode, a custom
 * domain): links in confirmation mail point back to it. (The stack cannot tell the function the
 * API's URL: the API depends on the function.)
 */
function apiUrlOf(event: APIGatewayProxyEventV2): string {
  const proto = event.headers?.['x-forwarded-proto'] ?? 'https';
  return `${proto}://${event.requestContext.domainName}${stagePrefix(event)}/`;
}

function stagePrefix(event: APIGatewayProxyEventV2): string {
  const stage = event.requestContext.stage;
  return stage && stage !== '$default' && event.rawPath.startsWith(`/${stage}/`) ? `/${stage}` : '';
}

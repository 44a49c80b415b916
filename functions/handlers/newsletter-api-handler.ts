// The subscribe API's logic behind API Gateway (HTTP API, payload format 2.0): one route table, HTML
// for browsers and JSON for scripts. Local mode serves the same handler under /api/.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { handleApiRequest } from '../app/newsletter/http-api.ts';
import { publishedCategories } from '../app/post-index/post-index.ts';
import type { NewsletterHandlerDeps } from './newsletter-handler-deps.ts';

export type NewsletterApiHandler = (
  event: APIGatewayProxyEventV2,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** The subscribe API handler over the given dependencies: answers one HTTP request. */
export function createNewsletterApiHandler(deps: NewsletterHandlerDeps): NewsletterApiHandler {
  return async (event) => {
    const site = await deps.currentSite('the subscribe API is closed');
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
      { site, apiUrl: deps.apiUrl ?? apiUrlOf(event), categories: () => publishedCategories(deps.state) },
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
  };
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

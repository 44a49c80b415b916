import type { SiteConfig } from '../../core/config/site-config.ts';
import { messagePage, preferencesPage, unsubscribePage } from '../../core/newsletter/api-pages.ts';
import { parseEmailAddress } from '../../core/newsletter/email-address.ts';
import type { TokenProblem } from '../../core/newsletter/tokens.ts';
import type { Term } from '../../core/posts/post.ts';
import {
  confirm,
  readPreferences,
  type SubscriptionDeps,
  subscribe,
  unsubscribe,
  updatePreferences,
} from './subscriptions.ts';

/** An HTTP request, as API Gateway or local mode's server hands it over. */
export interface ApiRequest {
  method: string;
  /** Path below the API's base, e.g. `/subscribe`. */
  path: string;
  query: URLSearchParams;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
  body: string;
  sourceIp?: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What the API needs besides the subscription use-cases' ports. */
export interface ApiContext {
  site: SiteConfig;
  /** The API's own absolute URL, ending in `/`: links in mail point back to it. */
  apiUrl: string;
  /** The site's categories, for the preferences page (read only when that page is asked for). */
  categories?: () => Promise<Term[]>;
}

/**
 * How long every accepted subscribe request takes to answer, whatever happened: longer than the
 * slowest outcome (two reads, a conditional write and an SES send), so that timing cannot tell a
 * known address from a new one. A person submitting a form does not notice a second.
 */
export const SUBSCRIBE_ANSWER_MS = 1_000;

/** Bodies larger than this are not a subscribe form. */
const MAX_BODY = 10_000;
const PENDING_MESSAGE =
  'If this address can receive our e-mail, a message with a confirmation link is on its way. Open it to start your subscription.';

const TOKEN_PAGES: Record<TokenProblem | 'unknown' | 'gone', [number, string, string]> = {
  malformed: [
    400,
    'This link is incomplete',
    'The link is missing part of its code. Copy the whole link from the e-mail, or open it with a click.',
  ],
  forged: [
    400,
    'This link is not valid',
    'The link was not made by this site. Use the link from the e-mail you received.',
  ],
  'wrong-purpose': [
    400,
    'This link is not valid here',
    'This link is meant for another page. Use the link from the e-mail you received.',
  ],
  expired: [
    410,
    'This link has expired',
    'Confirmation links work for a limited time. Subscribe again to get a new one.',
  ],
  unknown: [
    404,
    'Nothing to confirm',
    'This subscription no longer exists or was cancelled. Subscribe again to start a new one.',
  ],
  gone: [
    404,
    'No such subscription',
    'This address is not on the list any more. Subscribe again on the site to start anew.',
  ],
};

/**
 * The subscribe API: `POST /subscribe` (form or JSON), `GET /confirm`, `GET` and `POST
 * /unsubscribe` (the button and RFC 8058 one-click). Answers HTML to browsers and JSON to scripts;
 * never a stack trace.
 */
export async function handleApiRequest(
  deps: SubscriptionDeps,
  context: ApiContext,
  request: ApiRequest,
): Promise<ApiResponse> {
  const cors = corsHeaders(context, request);
  const method = request.method.toUpperCase();
  if (method === 'OPTIONS')
    return { status: 204, headers: { ...cors, 'access-control-max-age': '86400' }, body: '' };
  const route = request.path.replace(/\/+$/, '') || '/';
  if (context.site.newsletter === undefined)
    return page(
      404,
      messagePage(context.site, 'No newsletter', `${context.site.title} does not send e-mail digests.`),
    );
  try {
    if (route === '/subscribe' && method === 'POST')
      return withHeaders(await subscribeRoute(deps, context, request), cors);
    if (route === '/confirm' && method === 'GET') return await confirmRoute(deps, context, request);
    if (route === '/unsubscribe' && (method === 'GET' || method === 'HEAD')) {
      const token = request.query.get('token') ?? '';
      const checked = deps.signer.verify(token, 'unsubscribe', deps.clock.now());
      if (!checked.ok) return tokenProblem(context, checked.problem);
      return page(
        200,
        unsubscribePage(context.site, `${context.apiUrl}unsubscribe?token=${encodeURIComponent(token)}`),
      );
    }
    if (route === '/unsubscribe' && method === 'POST') return await unsubscribeRoute(deps, context, request);
    if (route === '/preferences' && (method === 'GET' || method === 'HEAD' || method === 'POST'))
      return await preferencesRoute(deps, context, request, method === 'POST');
    if (['/subscribe', '/confirm', '/unsubscribe', '/preferences'].includes(route))
      return {
        ...page(405, messagePage(context.site, 'Method not allowed', `${route} does not accept ${method}.`)),
        headers: {
          ...htmlType,
          allow: route === '/confirm' ? 'GET' : route === '/subscribe' ? 'POST' : 'GET, POST',
        },
      };
    return page(404, messagePage(context.site, 'Not found', 'There is no such page here.'));
  } catch (error) {
    deps.log.error('subscribe API failed', { route, error: String(error) });
    return withHeaders(
      page(
        503,
        messagePage(
          context.site,
          'Please try again',
          'Something went wrong on our side. Please try again in a few minutes.',
        ),
      ),
      cors,
    );
  }
}

async function subscribeRoute(
  deps: SubscriptionDeps,
  context: ApiContext,
  request: ApiRequest,
): Promise<ApiResponse> {
  const wantsJson =
    isJson(request.headers['content-type']) || (request.headers.accept ?? '').includes('application/json');
  const answer = (status: number, title: string, message: string): ApiResponse =>
    wantsJson
      ? { status, headers: jsonType, body: `${JSON.stringify({ ok: status < 300, message })}\n` }
      : page(status, messagePage(context.site, title, message));
  if (request.body.length > MAX_BODY)
    return answer(413, 'Too large', 'The request is larger than a subscribe form.');
  const fields = parseFields(request);
  if (fields === undefined)
    return answer(
      415,
      'Unsupported form',
      'Send the form as application/x-www-form-urlencoded or JSON with an "email" field.',
    );
  const checked = parseEmailAddress(fields.email);
  if (!checked.ok) return answer(400, 'Check the address', `The e-mail address ${checked.reason}.`);
  // Every outcome gets the same answer at the same moment: neither the response nor its timing may
  // tell whether the address is known (mailing a new address took 16 ms here, a known one 9 ms).
  const started = deps.clock.now().getTime();
  // A field people never see: bots fill it in. They are told what everyone is told.
  if (!fields.website)
    await subscribe(deps, context.site, context.apiUrl, {
      email: checked.address,
      categories: fields.categories,
      consent: {
        source: wantsJson ? 'api' : 'form',
        ...(request.sourceIp ? { ip: request.sourceIp } : {}),
        ...(request.headers['user-agent'] ? { userAgent: request.headers['user-agent'].slice(0, 300) } : {}),
      },
    });
  const elapsed = deps.clock.now().getTime() - started;
  if (elapsed < SUBSCRIBE_ANSWER_MS) await deps.clock.sleep(SUBSCRIBE_ANSWER_MS - elapsed);
  return answer(202, 'Check your inbox', PENDING_MESSAGE);
}

async function confirmRoute(
  deps: SubscriptionDeps,
  context: ApiContext,
  request: ApiRequest,
): Promise<ApiResponse> {
  const outcome = await confirm(deps, request.query.get('token') ?? '', context);
  if (!outcome.ok) return tokenProblem(context, outcome.problem);
  return page(
    200,
    messagePage(
      context.site,
      'Subscribed',
      `Thank you. New posts from ${context.site.title} will reach ${outcome.subscriber?.email ?? 'you'} by e-mail. Every e-mail has a link to unsubscribe.`,
    ),
  );
}

async function unsubscribeRoute(
  deps: SubscriptionDeps,
  context: ApiContext,
  request: ApiRequest,
): Promise<ApiResponse> {
  const form = new URLSearchParams(
    isJson(request.headers['content-type']) ? '' : request.body.slice(0, MAX_BODY),
  );
  const token = request.query.get('token') ?? form.get('token') ?? '';
  // RFC 8058: mail providers post "List-Unsubscribe=One-Click"; the page's button says it is the page.
  // Either way the subscription ends at once; the difference is kept only as evidence.
  const via = form.get('via') === 'page' ? 'link' : 'one-click';
  const outcome = await unsubscribe(deps, token, via);
  if (!outcome.ok) return tokenProblem(context, outcome.problem);
  return page(
    200,
    messagePage(
      context.site,
      'Unsubscribed',
      `You will get no more e-mail from ${context.site.title}. Changed your mind? Subscribe again on the site.`,
    ),
  );
}

/**
 * `GET /preferences?token=…` shows the reader's choice; `POST` saves categories and pause, or
 * unsubscribes (`action=unsubscribe`). The token is the unsubscribe link's.
 */
async function preferencesRoute(
  deps: SubscriptionDeps,
  context: ApiContext,
  request: ApiRequest,
  post: boolean,
): Promise<ApiResponse> {
  const form = new URLSearchParams(
    post && !isJson(request.headers['content-type']) ? request.body.slice(0, MAX_BODY) : '',
  );
  const token = request.query.get('token') ?? form.get('token') ?? '';
  if (post && form.get('action') === 'unsubscribe')
    return unsubscribeRoute(deps, context, { ...request, body: 'via=page' });
  const outcome = post
    ? await updatePreferences(deps, token, {
        categories: form.getAll('categories').slice(0, 50),
        paused: form.get('paused') === 'yes',
      })
    : await readPreferences(deps, token);
  if (!outcome.ok) return tokenProblem(context, outcome.problem === 'unknown' ? 'gone' : outcome.problem);
  const subscriber = outcome.subscriber;
  if (subscriber === undefined || subscriber.status !== 'active')
    return page(
      200,
      messagePage(
        context.site,
        subscriber?.status === 'pending' ? 'Not confirmed yet' : 'Not subscribed',
        subscriber?.status === 'pending'
          ? 'This subscription waits for its confirmation: open the link in the confirmation e-mail first.'
          : `This address gets no e-mail from ${context.site.title}. Subscribe again on the site to start anew.`,
      ),
    );
  return page(
    200,
    preferencesPage(context.site, {
      email: subscriber.email,
      categories: (await context.categories?.()) ?? [],
      chosen: subscriber.categories,
      paused: subscriber.pausedAt !== undefined,
      action: `${context.apiUrl}preferences?token=${encodeURIComponent(token)}`,
      ...(post
        ? {
            notice:
              subscriber.pausedAt !== undefined
                ? 'Saved. Digests are paused until you untick the box.'
                : 'Saved. The next digest follows your choice.',
          }
        : {}),
    }),
  );
}

interface SubscribeFields {
  email: string;
  categories: string[];
  website: string;
}

function parseFields(request: ApiRequest): SubscribeFields | undefined {
  const type = request.headers['content-type'] ?? 'application/x-www-form-urlencoded';
  if (isJson(type)) {
    let value: unknown;
    try {
      value = JSON.parse(request.body);
    } catch {
      return undefined;
    }
    if (value === null || typeof value !== 'object') return undefined;
    const record = value as Record<string, unknown>;
    const categories = record.categories;
    return {
      email: typeof record.email === 'string' ? record.email : '',
      categories: Array.isArray(categories)
        ? categories.filter((c): c is string => typeof c === 'string')
        : typeof categories === 'string'
          ? categories.split(',')
          : [],
      website: typeof record.website === 'string' ? record.website : '',
    };
  }
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) return undefined;
  const form = new URLSearchParams(request.body);
  return {
    email: form.get('email') ?? '',
    categories: [...form.getAll('categories'), ...form.getAll('category')].flatMap((c) => c.split(',')),
    website: form.get('website') ?? '',
  };
}

function corsHeaders(context: ApiContext, request: ApiRequest): Record<string, string> {
  const origin = request.headers.origin;
  if (!origin || !(context.site.newsletter?.corsOrigins ?? []).includes(origin)) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'content-type, accept',
    vary: 'Origin',
  };
}

function tokenProblem(context: ApiContext, problem: TokenProblem | 'unknown' | 'gone'): ApiResponse {
  const [status, title, message] = TOKEN_PAGES[problem];
  return page(status, messagePage(context.site, title, message));
}

const htmlType = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
const jsonType = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

function page(status: number, body: string): ApiResponse {
  return { status, headers: htmlType, body };
}

function withHeaders(response: ApiResponse, headers: Record<string, string>): ApiResponse {
  return { ...response, headers: { ...response.headers, ...headers } };
}

function isJson(type: string | undefined): boolean {
  return (type ?? '').toLowerCase().includes('json');
}

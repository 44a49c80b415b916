import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleHandler } from '../../infra/handler-bundling.ts';
import { s3Notifications } from '../helpers/events.ts';
import { BUCKETS, localBuckets } from '../helpers/local-buckets.ts';
import { postFile, SITE_YAML } from '../helpers/memory-content.ts';

let buckets: Awaited<ReturnType<typeof localBuckets>>;
const bundle = join(mkdtempSync(join(tmpdir(), 'herald-bundle-')), 'publish.mjs');

beforeAll(async () => {
  buckets = await localBuckets();
  await bundleHandler('publish', bundle);
});
afterAll(async () => {
  await buckets.s3.close();
});

describe('the publish handler as deployed (esbuild bundle)', () => {
  it('loads in a fresh process and publishes an S3 notification', async () => {
    await buckets.content.put('site.yaml', SITE_YAML);
    await buckets.content.put(
      'posts/bundled post.md',
      postFile(
        'From the bundle',
        '2024-03-01',
        '',
        // Raw HTML goes through sanitize-html and htmlparser2 as bundled: styles, scripts and
        // javascript: links dropped, entities decoded.
        '<p style="color:red">Styled</p>\n\n<p>Caf&eacute; <a href="javascript:alert(1)">bad</a><script>alert(2)</script></p>',
      ),
    );
    const event = s3Notifications(BUCKETS.content, [{ key: 'posts/bundled post.md' }]);
    const script = `const { handler } = await import(${JSON.stringify(bundle)}); console.log(JSON.stringify(await handler(${JSON.stringify(event)})));`;
    // Asynchronously: the local S3 server runs in this process and must keep answering.
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        ...process.env,
        ...buckets.env,
        AWS_REGION: 'eu-west-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    expect(JSON.parse(stdout.trim().split('\n').pop() ?? '')).toEqual({ batchItemFailures: [] });
    const feed = new TextDecoder().decode(await buckets.site.get('feed.json'));
    expect(feed).toContain('From the bundle');
    expect(feed).toContain('<p>Styled</p>');
    expect(feed).toContain('Café');
    expect(feed).not.toContain('javascript:');
    expect(feed).not.toContain('alert(');
  });
});

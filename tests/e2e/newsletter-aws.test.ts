// `herald subscribers … --stack NAME` against buckets addressed as a deployed stack's: s3rver plays
// S3 (through --endpoint), and a stand-in answers the two other AWS calls the CLI makes,
// CloudFormation DescribeStacks and Secrets Manager GetSecretValue, reached the way any AWS SDK
// client is pointed elsewhere (AWS_ENDPOINT_URL_<SERVICE>). Credentials come from the environment,
// as the standard chain reads them.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../functions/adapters/clocks.ts';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { MemoryDigestQueue } from '../../functions/adapters/memory-digest-queue.ts';
import { MemoryMailer } from '../../functions/adapters/memory-mailer.ts';
import { createS3Client, S3BlobStore } from '../../functions/adapters/s3-blob-store.ts';
import { NewsletterStore } from '../../functions/app/newsletter/newsletter-store.ts';
import { publishChanges } from '../../functions/app/publish-site.ts';
import { OUTPUTS } from '../../functions/config/stack-outputs.ts';
import { TokenSigner } from '../../functions/core/newsletter/tokens.ts';
import { createDigestHandler } from '../../functions/handlers/digest-handler.ts';
import { siteReader } from '../../functions/handlers/newsletter-handler-deps.ts';
import { type LocalS3, startLocalS3 } from '../../functions/local/local-s3.ts';
import { fixturePath } from '../helpers/fixtures.ts';

const HERALD = fileURLToPath(new URL('../../functions/cli/herald.mjs', import.meta.url));
const SECRET = 'stack-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const BUCKETS = {
  content: 'herald-content-a1',
  state: 'herald-state-b2',
  newsletter: 'herald-subscribers-c3',
  empty: 'herald-subscribers-d4',
};
const work = mkdtempSync(join(tmpdir(), 'herald-newsletter-aws-'));
let s3: LocalS3;
let standIn: Server;
let standInUrl: string;
const calls: string[] = [];

/** Answers DescribeStacks (AWS query protocol, XML) and GetSecretValue (JSON 1.1) like AWS. */
function startStandIn(): Promise<Server> {
  const outputs: Record<string, string> = {
    [OUTPUTS.contentBucket]: BUCKETS.content,
    [OUTPUTS.stateBucket]: BUCKETS.state,
    [OUTPUTS.newsletterBucket]: BUCKETS.newsletter,
    [OUTPUTS.newsletterSecret]:
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:NewsletterSecret-AbCdEf',
    [OUTPUTS.apiUrl]: 'https://abc123.execute-api.eu-west-1.amazonaws.com/',
  };
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const target = request.headers['x-amz-target'];
      if (target === 'secretsmanager.GetSecretValue') {
        const { SecretId } = JSON.parse(body) as { SecretId: string };
        calls.push(`GetSecretValue ${SecretId}`);
        response.setHeader('content-type', 'application/x-amz-json-1.1');
        response.end(JSON.stringify({ ARN: SecretId, Name: 'NewsletterSecret', SecretString: SECRET }));
        return;
      }
      const form = new URLSearchParams(body);
      calls.push(`${form.get('Action')} ${form.get('StackName')}`);
      response.setHeader('content-type', 'text/xml');
      if (form.get('Action') !== 'DescribeStacks' || form.get('StackName') !== 'Herald') {
        response.statusCode = 400;
        response.end(
          `<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${form.get('StackName')} does not exist</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
        );
        return;
      }
      const members = Object.entries(outputs)
        .map(([k, v]) => `<member><OutputKey>${k}</OutputKey><OutputValue>${v}</OutputValue></member>`)
        .join('');
      response.end(
        `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>Herald</StackName><StackId>arn:aws:cloudformation:eu-west-1:123456789012:stack/Herald/1</StackId><CreationTime>2026-01-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeStacksResponse>`,
      );
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function herald(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [HERALD, ...args], {
      cwd: work,
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        AWS_REGION: 'eu-west-1',
        AWS_ENDPOINT_URL_CLOUDFORMATION: standInUrl,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: standInUrl,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

const stack = ['--stack', 'Herald', '--endpoint'];
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:NewsletterSecret-AbCdEf';
/** The options naming each resource, as a deployed stack's outputs give them. */
const deployed = () => ['--bucket', BUCKETS.newsletter, '--secret', SECRET_ARN, '--endpoint', s3.endpoint];
let content: S3BlobStore;
let publish: (at: string, keys: string[]) => Promise<unknown>;

/**
 * Runs the digest function as AWS does: the scheduler's event at `at`, then each job it queued as
 * an SQS message.
 * @returns the addresses mailed, sorted
 */
async function digestFunctionAt(at: string): Promise<string[]> {
  const client = createS3Client(s3.endpoint);
  const until = new Date(at);
  const clock = { ...fixedClock(until), sleep: async () => {} };
  const mailer = new MemoryMailer();
  const queue = new MemoryDigestQueue();
  const handler = createDigestHandler({
    newsletter: new NewsletterStore(new S3BlobStore(client, BUCKETS.newsletter)),
    state: new S3BlobStore(client, BUCKETS.state),
    mailer,
    signer: new TokenSigner(SECRET),
    clock,
    log: silentLogger,
    currentSite: siteReader(content, {}, silentLogger, clock),
    apiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/',
    queue,
  });
  await handler({ action: 'digest', scheduledTime: at });
  for (let next = queue.take(); next !== undefined; next = queue.take()) {
    const batch = { Records: [{ messageId: `job-${queue.jobs.length}`, body: JSON.stringify(next.job) }] };
    expect(await handler(batch as SQSEvent)).toEqual({ batchItemFailures: [] });
  }
  return mailer.sent.map((m) => m.to).sort();
}
const list = (name: string) => {
  const copy = join(work, name);
  copyFileSync(fixturePath(`lists/${name}`), copy);
  return copy;
};

beforeAll(async () => {
  s3 = await startLocalS3(join(work, 's3'), Object.values(BUCKETS));
  standIn = await startStandIn();
  standInUrl = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`;
  content = new S3BlobStore(createS3Client(s3.endpoint), BUCKETS.content);
  await content.put(
    'site.yaml',
    'title: Field Notes\nbaseUrl: https://fieldnotes.example.org/\nauthor: Ann\nnewsletter:\n  from: Field Notes <digest@fieldnotes.example.org>\n  schedule: monday 09:00\n',
  );
  // The newsletter switched on a week before, then one post published, as the publish function
  // runs on their uploads (the site bucket is not part of this test).
  publish = (at: string, keys: string[]) =>
    publishChanges(
      {
        content,
        output: new MemoryBlobStore(),
        state: new S3BlobStore(createS3Client(s3.endpoint), BUCKETS.state),
        clock: fixedClock(new Date(at)),
        log: silentLogger,
      },
      keys,
    );
  await publish('2026-11-23T09:00:00Z', []);
  await content.put(
    'posts/p1.md',
    '---\ntitle: Migrated At Last\ndate: 2026-11-29T10:00:00Z\ndescription: We moved.\n---\n\nWe moved.\n',
  );
  await publish('2026-11-29T10:00:00Z', ['posts/p1.md']);
});

afterAll(async () => {
  await s3?.close();
  standIn?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('herald subscribers against a deployed stack', () => {
  it('previews the digest from the stack (its posts, nothing sent); sending is left to the function', async () => {
    const preview = await herald(
      'digest',
      '--preview',
      '--now',
      '2026-11-30T09:00:00Z',
      ...stack,
      s3.endpoint,
    );
    expect(preview.stdout).toContain('Migrated At Last');
    expect(preview.stdout).toContain('preview written to preview-');
    const send = await herald('digest', ...stack, s3.endpoint);
    expect(send.code).toBe(2);
    expect(send.stderr).toContain('invoke the DigestFunctionName output');
  }, 30_000);

  it('with --bucket/--secret/--endpoint: imports Mailchimp (subscribed, unsubscribed, cleaned) and Substack exports; the digest function mails subscribed members only, two weeks running; export round-trips', async () => {
    const callsBefore = calls.length;
    const imported = await herald(
      'subscribers',
      'import',
      list('subscribed_members_export_9f8e7d.csv'),
      list('unsubscribed_members_export_9f8e7d.csv'),
      list('cleaned_members_export_9f8e7d.csv'),
      list('email_list.fieldnotes.csv'),
      ...deployed(),
    );
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toContain('(Mailchimp export): added 2 (2 active), updated 0, skipped 2.');
    expect(imported.stdout).toContain(
      'unsubscribed_members_export_9f8e7d.csv (Mailchimp export): added 1 (1 unsubscribed)',
    );
    expect(imported.stdout).toContain(
      'cleaned_members_export_9f8e7d.csv (Mailchimp export): added 1 (1 suppressed)',
    );
    expect(imported.stdout).toContain(
      'email_list.fieldnotes.csv (Substack export): added 3 (2 active, 1 unsubscribed)',
    );
    // The bucket named, the secret read from Secrets Manager by its ARN, no stack looked up.
    expect(calls.slice(callsBefore)).toEqual([`GetSecretValue ${SECRET_ARN}`]);

    const listed = (await herald('subscribers', 'list', ...deployed())).stdout;
    expect(listed).toMatch(/^dan@example\.org\tunsubscribed\t/m);
    expect(listed).toMatch(/^erin@example\.org\tsuppressed \(bounce 2023-02-03T04:05:06\.000Z\)/m);
    expect(listed).toContain('7 addresses');

    // Importing the same files again reactivates nobody and replaces no consent date.
    const again = await herald(
      'subscribers',
      'import',
      list('subscribed_members_export_9f8e7d.csv'),
      ...deployed(),
    );
    expect(again.stdout).toContain('ann@example.org: skipped: already subscribed');

    // The digest function, as deployed (the scheduler's event, then the jobs it queued), over the
    // same buckets: who gets mail, this Monday and the next.
    const expected = ['Bob@example.org', 'ann@example.org', 'fay@example.org', 'gus@example.org'];
    expect(await digestFunctionAt('2026-11-30T09:00:00Z')).toEqual(expected);
    await content.put(
      'posts/p2.md',
      '---\ntitle: Second Week\ndate: 2026-12-05T10:00:00Z\ndescription: Still here.\n---\n\nStill here.\n',
    );
    await publish('2026-12-05T10:00:00Z', ['posts/p2.md']);
    expect(await digestFunctionAt('2026-12-07T09:00:00Z')).toEqual(expected);

    const exported = await herald('subscribers', 'export', '--out', 'first.csv', ...deployed());
    expect(exported.code).toBe(0);
    const first = readFileSync(join(work, 'first.csv'), 'utf8');
    expect(first).toMatch(/^erin@example\.org,suppressed,,import,2019-01-01T00:00:00\.000Z,/m);

    // Into an empty list (another bucket and another secret): the same export, byte for byte.
    const secretFile = join(work, 'other-secret');
    writeFileSync(secretFile, 'another-secret-0123456789-abcdefghijklmnopqrstuvwxyz\n');
    const other = ['--bucket', BUCKETS.empty, '--secret-file', secretFile, '--endpoint', s3.endpoint];
    const reimported = await herald('subscribers', 'import', join(work, 'first.csv'), ...other);
    expect(reimported.stdout).toContain('first.csv (Herald export): added 7');
    await herald('subscribers', 'export', '--out', 'second.csv', ...other);
    expect(readFileSync(join(work, 'second.csv'), 'utf8')).toBe(first);
  }, 60_000);

  it('says what is wrong when the stack or the secret cannot be found', async () => {
    const missing = await herald('subscribers', 'list', '--stack', 'Nope', '--endpoint', s3.endpoint);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(
      'herald subscribers list: --stack Nope: Stack with id Nope does not exist (check --region and --profile)',
    );
    const noSecret = await herald(
      'subscribers',
      'list',
      '--bucket',
      BUCKETS.newsletter,
      '--endpoint',
      s3.endpoint,
    );
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain('--secret: name the newsletter secret');
  }, 30_000);
});

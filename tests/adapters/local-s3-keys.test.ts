import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../functions/adapters/s3-blob-store.ts';
import { type LocalS3, localKeyProblem, startLocalS3 } from '../../functions/local/local-s3.ts';

// The data folder sits inside a parent folder, so a write that escapes it would be seen there.
const parent = mkdtempSync(join(tmpdir(), 'herald-keys-'));
const data = join(parent, 'data');
let s3: LocalS3;

beforeAll(async () => {
  s3 = await startLocalS3(data, ['herald-content', 'herald-site']);
});
afterAll(async () => {
  await s3.close();
});

/** Sends a request with the path exactly as given: fetch and the SDK would resolve "..". */
function raw(
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(s3.endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ method, hostname, port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(method === 'PUT' ? 'owned' : undefined);
  });
}

function allFiles(folder: string): string[] {
  return (readdirSync(folder, { recursive: true }) as string[]).map(String);
}

describe('the local S3 endpoint refuses keys that are not one canonical path (issue 16)', () => {
  it.each([
    '/herald-content/posts/../../herald-site/x.html',
    '/herald-content/posts/../../../../x',
    '/herald-content/posts/../site.yaml',
    '/herald-content/posts/%2E%2E/x.md',
    '/herald-content/posts/./x.md',
    '/herald-content/posts//x.md',
    '/herald-content/posts/a%00b.md',
    '/herald-content/posts/a%5Cb.md',
    `/herald-content/posts/${'a'.repeat(250)}.md`,
    '/herald-content/posts/x._S3rver_metadata.json',
    '/herald-content/posts/%E0%A4%A.md',
  ])('PUT %s: 400 InvalidArgument, nothing written', async (path) => {
    const before = allFiles(parent).sort();
    const answer = await raw('PUT', path, { 'content-length': '5' });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatch(/<Code>InvalidArgument<\/Code><Message>[^<]+<\/Message>/);
    expect(allFiles(parent).sort()).toEqual(before);
  });

  it('refuses the same keys as a GET, a copy source and a listing prefix', async () => {
    expect((await raw('GET', '/herald-content/posts/../../herald-site/x.html')).status).toBe(400);
    expect(
      (
        await raw('PUT', '/herald-content/posts/ok.md', {
          'x-amz-copy-source': '/herald-site/../x',
          'content-length': '5',
        })
      ).status,
    ).toBe(400);
    expect((await raw('GET', '/herald-content?list-type=2&prefix=posts/../')).status).toBe(400);
    expect(existsSync(join(parent, 'x'))).toBe(false);
  });

  it('answers the AWS SDK with a clear error and still stores ordinary keys', async () => {
    const client = createS3Client(s3.endpoint);
    await client.send(new PutObjectCommand({ Bucket: 'herald-content', Key: 'posts/ok é.md', Body: 'ok' }));
    await expect(
      client.send(new PutObjectCommand({ Bucket: 'herald-content', Key: 'posts/./x.md', Body: 'x' })),
    ).rejects.toMatchObject({ name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } });
  });

  it('names the reason', () => {
    expect(localKeyProblem('posts/../x.md')).toBe('has a "." or ".." path segment');
    expect(localKeyProblem('posts/')).toBeUndefined();
    expect(localKeyProblem('static/images/a b.png')).toBeUndefined();
  });
});

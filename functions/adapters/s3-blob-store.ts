import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import {
  type BlobInfo,
  type BlobStore,
  type PutOptions,
  type VersionedBlob,
  WriteConflict,
} from '../ports/blob-store.ts';

/**
 * A {@link BlobStore} over one S3 bucket (or any S3-compatible endpoint, such as local mode's).
 * The client is injected so that one client serves every bucket of a container.
 */
export class S3BlobStore implements BlobStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    return (await this.getVersioned(key))?.body;
  }

  async getVersioned(key: string): Promise<VersionedBlob | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body = response.Body ? await response.Body.transformToByteArray() : new Uint8Array();
      return { body, etag: (response.ETag ?? '').replace(/"/g, '') };
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ...(options.contentType ? { ContentType: options.contentType } : {}),
          ...(options.cacheControl ? { CacheControl: options.cacheControl } : {}),
          ...(options.ifNoneMatch ? { IfNoneMatch: options.ifNoneMatch } : {}),
          ...(options.ifMatch ? { IfMatch: `"${options.ifMatch}"` } : {}),
        }),
      );
    } catch (error) {
      // 412 when the condition fails; 409 when a concurrent conditional write to the key is under way.
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 412 || status === 409) throw new WriteConflict(key, { cause: error });
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined)
          yield { key: object.Key, ...(object.Size !== undefined ? { size: object.Size } : {}) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }
}

/**
 * An S3 client for Herald: the AWS default chain in Lambda, or a local endpoint with path-style
 * addressing. Checksums only when required: S3-compatible local servers reject streamed checksums.
 * @param endpoint - local mode's endpoint, e.g. `http://127.0.0.1:4569`
 */
export function createS3Client(endpoint?: string): S3Client {
  const config: S3ClientConfig = {
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (endpoint !== undefined) {
    Object.assign(config, {
      endpoint,
      forcePathStyle: true,
      region: process.env.AWS_REGION ?? 'us-east-1',
      // s3rver accepts only its own key pair; another S3-compatible server takes the usual variables.
      ...(process.env.AWS_ACCESS_KEY_ID
        ? {}
        : { credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }),
    });
  }
  return new S3Client(config);
}

import type { BlobInfo, BlobStore, PutOptions, VersionedBlob } from '../../functions/ports/blob-store.ts';

/** What one kind of request (a bucket's GET, PUT, DELETE or LIST page) cost in one step. */
export interface RequestFigures {
  /** Requests made (for LIST: pages of up to 1,000 keys, as S3 returns them). */
  count: number;
  /** Keys a LIST returned. */
  keys?: number;
  /** Seconds from the step's start to the first and the last request's start. */
  first: number;
  last: number;
  /** Seconds the requests took, added up. */
  busy: number;
}

/**
 * Wraps a bucket's store and counts what each kind of request cost, for the rebuild benchmark's
 * `--trace`: where a step's time goes against the local S3 endpoint, and how many requests it would
 * make against S3 itself.
 */
export class TracedStore implements BlobStore {
  constructor(
    private readonly inner: BlobStore,
    private readonly bucket: string,
    private readonly figures: Record<string, RequestFigures>,
    private readonly began: number,
  ) {}

  get(key: string): Promise<Uint8Array | undefined> {
    return this.timed('GET', () => this.inner.get(key));
  }

  getVersioned(key: string): Promise<VersionedBlob | undefined> {
    return this.timed('GET', () => this.inner.getVersioned(key));
  }

  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void> {
    return this.timed('PUT', () => this.inner.put(key, body, options));
  }

  delete(key: string): Promise<void> {
    return this.timed('DELETE', () => this.inner.delete(key));
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    const started = performance.now();
    const figures = this.figuresOf('LIST', started);
    let keys = 0;
    let waited = 0;
    let asked = performance.now();
    for await (const info of this.inner.list(prefix)) {
      // A page of 1,000 keys is one request to S3: count them as S3 would be asked.
      if (keys % 1000 === 0) figures.count++;
      keys++;
      waited += performance.now() - asked;
      yield info;
      asked = performance.now();
    }
    if (keys === 0) figures.count++;
    figures.keys = (figures.keys ?? 0) + keys;
    figures.busy += waited / 1000;
  }

  private async timed<T>(method: string, request: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const figures = this.figuresOf(method, started);
    figures.count++;
    try {
      return await request();
    } finally {
      figures.busy += (performance.now() - started) / 1000;
    }
  }

  private figuresOf(method: string, started: number): RequestFigures {
    const name = `${this.bucket} ${method}`;
    const at = (started - this.began) / 1000;
    const figures = this.figures[name] ?? { count: 0, first: at, last: at, busy: 0 };
    this.figures[name] = figures;
    figures.last = at;
    return figures;
  }
}

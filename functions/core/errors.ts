/**
 * Herald's error hierarchy. Content errors (a bad post, a bad site.yaml) carry what a user needs to
 * fix the file: which file, which field, why. Infrastructure errors are left as they are so that the
 * platform can retry them.
 */
export class HeraldError extends Error {
  override name = 'HeraldError';
}

/** A post that cannot be published as written. */
export class PostError extends HeraldError {
  override name = 'PostError';
  constructor(
    /** The post's key, e.g. `posts/2023/hello.md`. */
    readonly file: string,
    /** The front matter field at fault, or a pseudo-field such as `front matter`, `body`, `file`. */
    readonly field: string,
    /** Why, in words an author can act on. */
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${file}: ${field}: ${reason}`, options);
  }
}

/** A site configuration that cannot be used. */
export class ConfigError extends HeraldError {
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly field: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${file}: ${field}: ${reason}`, options);
  }
}

/**
 * Herald's error hierarchy. Content errors (a bad post, a bad site.yaml) carry what a user needs to
 * fix the file: which file, which field, why. Infrastructure errors are left as they are so that the
 * platform can retry them.
 */
export class HeraldError extends Error {
  override name = 'HeraldError';
}

/** An error in one field of one file, shown as `file: field: reason`. */
export abstract class FieldError extends HeraldError {
  constructor(
    /** The file, e.g. `posts/2023/hello.md` or `site.yaml`. */
    readonly file: string,
    /** The field at fault, or a pseudo-field such as `front matter`, `body`, `file`. */
    readonly field: string,
    /** Why, in words an author can act on. */
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${file}: ${field}: ${reason}`, options);
  }
}

/** One thing wrong with a file: the field and why. */
export interface Problem {
  field: string;
  reason: string;
}

/** A post that cannot be published as written. */
export class PostError extends FieldError {
  override name = 'PostError';

  /**
   * Every problem found in the file, so that an author fixes them in one go. `field` and `reason`
   * are the first; `reason` also lists the others (`…; also date: is missing`), so that every place
   * that shows a PostError shows all of them.
   */
  readonly problems: readonly Problem[];

  constructor(file: string, field: string, reason: string, options?: ErrorOptions & { more?: Problem[] }) {
    const more = options?.more ?? [];
    super(file, field, [reason, ...more.map((p) => `also ${p.field}: ${p.reason}`)].join('; '), options);
    this.problems = [{ field, reason }, ...more];
  }
}

/** A site or deployment configuration that cannot be used. */
export class ConfigError extends FieldError {
  override name = 'ConfigError';
}

/** A command called wrongly: a bad option value, a missing folder, an endpoint nothing answers at. */
export class UsageError extends HeraldError {
  override name = 'UsageError';
}

/** Where the time comes from: the system in production, a fixed instant in tests and `--now`. */
export interface Clock {
  now(): Date;
}

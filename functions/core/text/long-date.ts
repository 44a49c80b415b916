// Building an Intl.DateTimeFormat loads ICU locale and zone data: about a hundred times the cost of
// formatting with one, and its native memory is invisible to V8, so thousands of short-lived
// formatters grew a 10,000-post build by half a gigabyte before the collector ran. One formatter
// per language and zone is reused instead; a site has one of each, so the cache stays tiny.
const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * A date as people read it in the site's language and zone, e.g. "28 June 2023" or "June 28, 2023".
 * @param language - a BCP 47 tag, e.g. `en-GB`
 * @param timezone - an IANA zone, e.g. `Europe/London`
 * @param instant - the moment to show
 * @throws RangeError for a language or zone Intl does not know (site configuration validates both)
 */
export function longDate(language: string, timezone: string, instant: Date): string {
  const id = `${language}\u0000${timezone}`;
  let formatter = formatters.get(id);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: timezone });
    formatters.set(id, formatter);
  }
  return formatter.format(instant);
}

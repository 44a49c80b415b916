/**
 * Stand-ins for HTML that must pass through a step unchanged (markdown rendering, sanitising): the
 * step sees a word it leaves alone, and {@link Placeholders.restore} puts the HTML back afterwards.
 * This is how Hugo keeps shortcode output out of markdown.
 */
export class Placeholders {
  private readonly values: string[] = [];
  private readonly prefix: string;
  private readonly pattern: RegExp;

  /**
   * @param text - the text the placeholders go into: the prefix is chosen so that it never occurs in it
   * @param stem - letters that start every placeholder
   */
  constructor(text: string, stem: string) {
    let prefix = stem;
    while (text.includes(prefix)) prefix += 'x';
    this.prefix = prefix;
    this.pattern = new RegExp(`(<p>)?${prefix}(\\d+)z(</p>)?`, 'g');
  }

  /**
   * @param html - what the placeholder stands for
   * @returns the placeholder, letters and digits only
   */
  add(html: string): string {
    this.values.push(html);
    return `${this.prefix}${this.values.length - 1}z`;
  }

  /**
   * Puts the HTML back. A placeholder alone in a paragraph was a block on its own line: the
   * paragraph goes, as in Hugo. HTML that holds placeholders itself is restored too, to a few levels.
   * @param html - the output of the step
   */
  restore(html: string): string {
    let out = html;
    for (let pass = 0; pass < 20 && this.values.length > 0 && out.includes(this.prefix); pass++) {
      out = out.replace(
        this.pattern,
        (whole, open: string | undefined, index: string, close: string | undefined) => {
          const value = this.values[Number(index)];
          if (value === undefined) return whole;
          return open !== undefined && close !== undefined ? value : `${open ?? ''}${value}${close ?? ''}`;
        },
      );
    }
    return out;
  }
}

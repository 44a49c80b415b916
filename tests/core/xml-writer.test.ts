import { describe, expect, it } from 'vitest';
import {
  escapeXmlAttribute,
  escapeXmlHexText,
  escapeXmlText,
  writeXmlDocument,
  xmlCdata,
} from '../../functions/core/text/xml-writer.ts';
import { xmlWellFormed } from '../helpers/feed-checks.ts';

const HOSTILE = `a<b>&c"d'e]]>f]]>g\u0000h\u000bi\uFFFEj\uD800k\uDC00l\tm\nn\ro😀p`;

describe('the XML writer', () => {
  it('escapes text, attributes and hexadecimal text and drops what XML forbids', () => {
    expect(escapeXmlText('a<b>&"')).toBe('a&lt;b&gt;&amp;"');
    expect(escapeXmlAttribute('a<b>&"\t\n\r')).toBe('a&lt;b&gt;&amp;&quot;&#x9;&#xA;&#xD;');
    expect(escapeXmlHexText('<b> & c')).toBe('&#x3C;b&gt; &#x26; c');
    expect(escapeXmlText('x\u0000y\u000bz\uD800\uFFFF😀')).toBe('xyz😀');
  });

  it('splits every ]]> in CDATA, not only the first', () => {
    expect(xmlCdata('a]]>b]]>c')).toBe('<![CDATA[a]]]]><![CDATA[>b]]]]><![CDATA[>c]]>');
  });

  it('writes a well-formed document whatever the values, and a parser reads them back', () => {
    const xml = writeXmlDocument({
      name: 'feed',
      attributes: { xmlns: 'http://www.w3.org/2005/Atom', label: HOSTILE },
      children: [
        { name: 'title', children: [HOSTILE] },
        { name: 'hex', children: [{ hexText: HOSTILE }] },
        { name: 'html', children: [{ cdata: HOSTILE }] },
        { name: 'empty', attributes: { skipped: undefined, n: 3 } },
      ],
    });
    expect(xmlWellFormed(xml)).toBe(true);
    expect(xml).toContain('<empty n="3"/>');
    expect(xml).toContain(`label="a&lt;b&gt;&amp;c&quot;d'e]]&gt;f]]&gt;ghijkl&#x9;m&#xA;n&#xD;o😀p"`);
  });

  it('is checked by a parser that rejects what a lax one lets through', () => {
    expect(xmlWellFormed('<a><c label="a<b"/></a>')).not.toBe(true);
    expect(xmlWellFormed('<a>x\u0000y</a>')).not.toBe(true);
    expect(xmlWellFormed('<a><![CDATA[x]]>y]]></a>')).not.toBe(true);
  });
});

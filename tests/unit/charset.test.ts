// The Latin-1 spelling of an issue's HTML: characters beyond Latin-1 become references outside raw-text
// elements, and nothing else changes (the old split on a pattern with two capture groups put each raw-text
// element's tag name into the output: "style" above the masthead of every issue).
import { describe, expect, it } from 'vitest';
import { parse } from 'parse5';
import { htmlWithinLatin1 } from '../../src/issues/charset.js';

describe('htmlWithinLatin1', () => {
  it('leaves <style> and <script> elements as they are and adds no text around them', () => {
    const html =
      '<html><head><style>.a::before{content:"—"}</style><script type="application/ld+json">{"n":"“x”"}</script></head>' +
      '<body><p>Week 47 · 16–22 November</p><STYLE media="print">p{}</STYLE><p>end</p></body></html>';
    expect(htmlWithinLatin1(html)).toBe(
      '<html><head><style>.a::before{content:"—"}</style><script type="application/ld+json">{"n":"“x”"}</script></head>' +
        '<body><p>Week 47 · 16&#8211;22 November</p><STYLE media="print">p{}</STYLE><p>end</p></body></html>',
    );
  });

  it('keeps <head> free of text as an HTML parser reads it', () => {
    const out = htmlWithinLatin1('<!DOCTYPE html><html><head><title>A – B</title><style>a{}</style></head><body><p>x</p></body></html>');
    const doc = parse(out);
    const html = doc.childNodes.find((n) => n.nodeName === 'html') as any;
    const body = html.childNodes.find((n: any) => n.nodeName === 'body');
    const texts = body.childNodes.filter((n: any) => n.nodeName === '#text').map((n: any) => n.value);
    expect(texts).toEqual([]);
    expect(out).toContain('<title>A &#8211; B</title>');
  });

  it('converts characters beyond Latin-1, including ones outside the Basic Multilingual Plane', () => {
    expect(htmlWithinLatin1('<p>café 🚀 “ok”</p>')).toBe('<p>café &#128640; &#8220;ok&#8221;</p>');
  });
});

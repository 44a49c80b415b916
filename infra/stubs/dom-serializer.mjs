// Stand-in for dom-serializer in the Lambda bundle. htmlparser2 re-exports domutils, whose
// deprecated getOuterHTML/getInnerHTML use dom-serializer; sanitize-html only uses htmlparser2's
// streaming parser and never serialises a DOM. Leaving it (and the entity tables it carries) out
// keeps the publish bundle under 1 MB; the bundle test runs sanitising end to end.
export default function render() {
  throw new Error('dom-serializer is not bundled: Herald never serialises a DOM');
}

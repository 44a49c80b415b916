// Stand-in for postcss in the Lambda bundle. sanitize-html loads postcss only to filter `style`
// attributes, which Herald never allows (parseStyleAttributes: false); leaving postcss and its
// source-map dependency out keeps the publish bundle under 1 MB.
module.exports = {
  parse() {
    throw new Error('style attributes are not allowed in Herald posts');
  },
};

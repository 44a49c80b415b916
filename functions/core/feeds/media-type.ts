import { Mime } from 'mime/lite';
import standardTypes from 'mime/types/standard.js';

// The IANA-registered types of the `mime` package (mime-db's standard set): mime-types would bring
// all of mime-db, 200 KB more than the 1 MB publish bundle can hold. Favicons are the one common
// web file whose type is not registered; browsers expect image/x-icon.
const types = new Mime(standardTypes, { 'image/x-icon': ['ico'] });

// Text is served as UTF-8, which is what Herald writes and what authors' files almost always are.
const TEXT = /^text\/|^application\/(?:json|xml|javascript|manifest\+json|ld\+json)$|\+xml$/;

/**
 * The media type of a file, from its name, with `charset=utf-8` for text.
 * @param name - a path or URL
 * @returns e.g. `image/jpeg`, `text/css; charset=utf-8`; `application/octet-stream` when unknown
 */
export function mediaTypeOf(name: string): string {
  const type = types.getType(pathOf(name));
  if (type === null) return 'application/octet-stream';
  return TEXT.test(type) && !type.startsWith('image/') ? `${type}; charset=utf-8` : type;
}

/** The image media type of a file, or undefined when the name is not a known image type. */
export function imageTypeOf(name: string): string | undefined {
  const type = types.getType(pathOf(name));
  return type?.startsWith('image/') ? type : undefined;
}

// A URL's query or fragment is not part of the file name.
function pathOf(name: string): string {
  return name.replace(/[?#].*$/, '');
}

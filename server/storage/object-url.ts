// s3://bucket/key URLs: how datasets, models and the shared store name a place in an object store.
import { UserInputError } from '../errors.ts';

export interface ObjectLocation {
  bucket: string;
  /** An object's key, or a prefix ("" for the whole bucket; a prefix never starts with "/"). */
  key: string;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function isObjectUrl(text: string): boolean {
  return /^s3:\/\//i.test(text.trim());
}

/** Parses s3://bucket[/key]; `field` names the input in the error. */
export function parseObjectUrl(text: string, field = 'source'): ObjectLocation {
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/i.exec(text.trim());
  if (!match) throw new UserInputError(`${field} must look like s3://bucket/prefix, got ${JSON.stringify(text)}`, field);
  const [, bucket, key = ''] = match;
  if (!BUCKET_NAME.test(bucket)) {
    throw new UserInputError(`${field}: "${bucket}" is not a bucket name (3 to 63 lowercase letters, digits, dots and hyphens)`, field);
  }
  return { bucket, key: key.replace(/^\/+/, '') };
}

export function formatObjectUrl(location: ObjectLocation): string {
  return `s3://${location.bucket}/${location.key}`;
}

/** The key prefix of everything "inside" a location: "data/set" and "data/set/" both list "data/set/...". */
export function asPrefix(key: string): string {
  return key === '' || key.endsWith('/') ? key : `${key}/`;
}

/** A location under another one: child({bucket, key: "store"}, "models/x.h5") is s3://bucket/store/models/x.h5. */
export function childOf(location: ObjectLocation, relativeKey: string): ObjectLocation {
  return { bucket: location.bucket, key: `${asPrefix(location.key)}${relativeKey}` };
}

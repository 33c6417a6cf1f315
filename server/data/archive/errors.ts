// Why an uploaded archive was refused. Every message names the problem in the uploader's terms: the
// entry's name inside the archive, never a path on this server.

export type ArchiveErrorCode =
  | 'UNSUPPORTED_ARCHIVE'
  | 'CORRUPT_ARCHIVE'
  | 'UNSAFE_ENTRY'
  | 'TOO_LARGE'
  | 'COMPRESSION_RATIO'
  | 'TOO_MANY_ENTRIES'
  | 'DUPLICATE_ENTRY'
  | 'EMPTY_CLASS'
  | 'TOO_FEW_CLASSES'
  | 'NO_IMAGES'
  | 'MANIFEST'
  | 'DESTINATION'
  | 'WRITE_FAILED'
  | 'ABORTED';

export class ArchiveError extends Error {
  override name = 'ArchiveError';
  constructor(
    message: string,
    readonly code: ArchiveErrorCode,
    /** The entry (its name inside the archive) the problem is about, when there is one. */
    readonly entry?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Not a zip, tar or tar.gz, or a zip feature we cannot read (encryption, an unknown compression). */
export class UnsupportedArchiveError extends ArchiveError {
  override name = 'UnsupportedArchiveError';
  constructor(message: string, entry?: string) {
    super(message, 'UNSUPPORTED_ARCHIVE', entry);
  }
}

export class CorruptArchiveError extends ArchiveError {
  override name = 'CorruptArchiveError';
  constructor(message: string, entry?: string, cause?: unknown) {
    super(message, 'CORRUPT_ARCHIVE', entry, { cause });
  }
}

/** An entry that would land outside the destination: "..", an absolute path, a link, a device file. */
export class UnsafeEntryError extends ArchiveError {
  override name = 'UnsafeEntryError';
  constructor(message: string, entry: string) {
    super(message, 'UNSAFE_ENTRY', entry);
  }
}

/** More uncompressed bytes than the limit, declared up front or counted while streaming. */
export class ArchiveTooLargeError extends ArchiveError {
  override name = 'ArchiveTooLargeError';
  constructor(
    message: string,
    readonly limitBytes: number,
    entry?: string,
  ) {
    super(message, 'TOO_LARGE', entry);
  }
}

export class CompressionRatioError extends ArchiveError {
  override name = 'CompressionRatioError';
  constructor(
    message: string,
    readonly ratio: number,
    readonly limitRatio: number,
    entry?: string,
  ) {
    super(message, 'COMPRESSION_RATIO', entry);
  }
}

export class TooManyEntriesError extends ArchiveError {
  override name = 'TooManyEntriesError';
  constructor(
    message: string,
    readonly limit: number,
  ) {
    super(message, 'TOO_MANY_ENTRIES');
  }
}

/** Two entries with the same name, or names that differ only in letter case. */
export class DuplicateEntryError extends ArchiveError {
  override name = 'DuplicateEntryError';
  constructor(
    message: string,
    entry: string,
    readonly other: string,
  ) {
    super(message, 'DUPLICATE_ENTRY', entry);
  }
}

export class EmptyClassError extends ArchiveError {
  override name = 'EmptyClassError';
  constructor(
    message: string,
    readonly folder: string,
  ) {
    super(message, 'EMPTY_CLASS', folder);
  }
}

export class TooFewClassesError extends ArchiveError {
  override name = 'TooFewClassesError';
  constructor(
    message: string,
    readonly classes: readonly string[],
  ) {
    super(message, 'TOO_FEW_CLASSES');
  }
}

export class NoImagesError extends ArchiveError {
  override name = 'NoImagesError';
  constructor(message: string) {
    super(message, 'NO_IMAGES');
  }
}

/** The manifest cannot be used, or it and the archive's files disagree. */
export class ManifestError extends ArchiveError {
  override name = 'ManifestError';
  constructor(
    message: string,
    readonly manifest: string,
    /** The entries the problem is about (missing files, unlisted images), at most a few hundred. */
    readonly files: readonly string[] = [],
  ) {
    super(message, 'MANIFEST', manifest);
  }
}

/** The destination folder exists and is not empty; the caller chose it, so nothing was removed. */
export class ArchiveDestinationError extends ArchiveError {
  override name = 'ArchiveDestinationError';
  constructor(message: string) {
    super(message, 'DESTINATION');
  }
}

/** The server could not write an entry (disk full, permissions): not the uploader's fault. */
export class ArchiveWriteError extends ArchiveError {
  override name = 'ArchiveWriteError';
  constructor(message: string, entry: string | undefined, cause: unknown) {
    super(message, 'WRITE_FAILED', entry, { cause });
  }
}

export class ArchiveAbortedError extends ArchiveError {
  override name = 'ArchiveAbortedError';
  constructor() {
    super('the archive upload was cancelled; nothing was kept', 'ABORTED');
  }
}

// Why an ingest cannot start; apart from the readers so that the CLI can recognise it without loading them.

/** The input cannot be used at all (missing folder, manifest without the needed columns, ...). */
export class IngestInputError extends Error {
  override name = 'IngestInputError';
}

// Why a demo dataset could not be generated; apart from the generator so that the CLI can recognise it cheaply.
export class DemoDatasetError extends Error {
  override name = 'DemoDatasetError';
}

/** Why the multi-class demo could not be written (an unknown or repeated class, bad sizes or edges). */
export class MulticlassDemoError extends Error {
  override name = 'MulticlassDemoError';
}

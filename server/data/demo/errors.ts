// Why the demo dataset could not be generated; apart from the generator so that the CLI can recognise it cheaply.
export class DemoDatasetError extends Error {
  override name = 'DemoDatasetError';
}

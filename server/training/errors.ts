// Why training the demo model stopped; kept apart from the training code so that the CLI can recognise
// these errors without loading TensorFlow.js.

/** A training setting is out of range or collides with another (equal seeds, a non-positive rate, ...). */
export class TrainingOptionsError extends Error {
  override name = 'TrainingOptionsError';
}

/** The saved .h5 file does not reproduce the trained model's scores. */
export class SavedModelMismatchError extends Error {
  override name = 'SavedModelMismatchError';
}

/** The chosen backend cannot compute a gradient the CNN needs. */
export class TrainingBackendError extends Error {
  override name = 'TrainingBackendError';
}

// Training the demo classifier: generate labelled demo events, train the CNN, save it as Keras .h5, measure it.
export { trainDemoModel, activateTrainingBackend, compareWithSavedModel, cosineDecay, DEFAULT_EDGES_TEV, SAVED_MODEL_TOLERANCE } from './train-demo.ts';
export { SavedModelMismatchError, TrainingBackendError, TrainingOptionsError } from './errors.ts';
export type { EpochRecord, SavedModelCheck, TrainDemoOptions, TrainDemoResult, TrainingBackend, TrainingProgress } from './train-demo.ts';
export { buildDemoCnn, DEMO_INPUT_SHAPE, DEMO_MODEL_NAME } from './demo-cnn.ts';
export { evaluateOnHeldOutEvents, predictGammaness, summariseSeparation, PIXEL_SCALE } from './evaluate.ts';
export type { Evaluation, HeldOutOptions, SeparationSummary } from './evaluate.ts';
export { generateLabelledEvents } from './labelled-events.ts';
export type { LabelledEvents, LabelledEventsOptions } from './labelled-events.ts';
export { registerWasmTrainingKernels } from './wasm-gradients.ts';

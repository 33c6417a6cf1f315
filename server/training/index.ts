// Training the demo classifiers (binary gamma/proton, or multi-class over demo species): generate labelled demo
// events, train the CNN, save it as Keras .h5, measure it.
export { trainDemoModel, activateTrainingBackend, compareWithSavedModel, cosineDecay, fitEpochs, DEFAULT_EDGES_TEV, SAVED_MODEL_TOLERANCE } from './train-demo.ts';
export { SavedModelMismatchError, TrainingBackendError, TrainingOptionsError } from './errors.ts';
export type { EpochRecord, FitOptions, SavedModelCheck, TrainDemoOptions, TrainDemoResult, TrainingBackend, TrainingProgress } from './train-demo.ts';
export { buildDemoCnn, DEMO_INPUT_SHAPE, DEMO_MODEL_NAME } from './demo-cnn.ts';
export { evaluateOnHeldOutEvents, evaluateClassesOnHeldOutEvents, outputUnitsOf, predictGammaness, predictOutputs, summariseClasses, summariseSeparation, PIXEL_SCALE } from './evaluate.ts';
export type { ClassEvaluation, ClassHeldOutOptions, ClassScoresSummary, ClassSummary, Evaluation, HeldOutOptions, SeparationSummary } from './evaluate.ts';
export { generateClassEvents, generateLabelledEvents } from './labelled-events.ts';
export type { ClassEvents, ClassEventsOptions, LabelledEvents, LabelledEventsOptions } from './labelled-events.ts';
export { trainMulticlassDemoModel, labelsFileFor, labelsFileText, MULTICLASS_MODEL_NAME } from './train-multiclass.ts';
export type { MulticlassEpochRecord, TrainMulticlassOptions, TrainMulticlassResult } from './train-multiclass.ts';
export { registerWasmTrainingKernels } from './wasm-gradients.ts';

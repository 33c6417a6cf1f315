// What a dataset is, independent of where its events are stored.
import type { ClassLabel } from './classes.ts';

/** bucket: read from an object store prefix (its s3:// URL is the dataset's sourceUrl). */
export type DatasetSource = 'demo' | 'ingest' | 'upload' | 'bucket';

/** An upload is registered while it is ingested; predict only uses READY datasets. */
export type DatasetState = 'ingesting' | 'ready' | 'failed' | 'cancelled';

/** A file that was refused while a dataset was ingested, named as the user named it. */
export interface RejectedFile {
  file: string;
  reason: string;
}

export interface ImageGeometry {
  width: number;
  height: number;
  /** 1 (grayscale) or 3 (RGB). */
  channels: number;
}

export interface DatasetDescriptor {
  id: number;
  name: string;
  source: DatasetSource;
  state: DatasetState;
  /** Ordered: the rows and columns of confusion matrices, the order of per-class scores. */
  classes: ClassLabel[];
  /**
   * The class whose score is the "signal" score of a binary dataset: for the ASTRI gamma/hadron case "gamma",
   * whose score the API calls gammaness. Null for datasets of more than two classes.
   */
  signalClass: string | null;
  /** Energy bin edges in TeV, or null when the dataset's events have no energies. */
  energyEdgesTeV: number[] | null;
  /** Null until ingest has seen an image (and for datasets of mixed sizes registered before sizes were checked). */
  image: ImageGeometry | null;
  rejectedFiles: RejectedFile[];
  error: string | null;
  createdAt: Date;
}

/**
 * The signal class of a binary dataset: the declared one; else gamma when one class is called so (the ASTRI
 * convention: the gammaness is the gamma score, whatever the classes' order); else the second class
 * (scikit-learn's pos_label=1, Keras's label 1 of alphabetically sorted folders).
 */
export function signalClassOf(dataset: Pick<DatasetDescriptor, 'classes' | 'signalClass'>): string | null {
  if (dataset.classes.length !== 2) return null;
  return dataset.signalClass ?? dataset.classes.find((c) => c.name.toLowerCase() === 'gamma')?.name ?? dataset.classes[1].name;
}

/** Where an upload's ingest is: receiving the file, unpacking the archive, converting images, registering events. */
export type IngestPhase = 'receiving' | 'unpacking' | 'converting' | 'registering' | 'sharing' | 'done';

/** One message of an upload's progress stream; the last one has phase "done" and a final state. */
export interface IngestProgress {
  datasetId: number;
  state: DatasetState;
  phase: IngestPhase;
  filesDone: number;
  /** Null while unknown (a tar has no table of contents). */
  filesTotal: number | null;
  bytesDone: number;
  rejectedSoFar: number;
  error: string | null;
}

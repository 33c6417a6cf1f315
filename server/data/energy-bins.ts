// Energy bins are referred to by index into the configured edges; a bin is [minTeV, maxTeV).
import { UserInputError } from '../errors.ts';

export interface EnergyBin {
  index: number;
  minTeV: number;
  maxTeV: number;
  label: string;
}

export function energyBins(edgesTeV: readonly number[]): EnergyBin[] {
  return edgesTeV.slice(0, -1).map((minTeV, index) => {
    const maxTeV = edgesTeV[index + 1];
    return { index, minTeV, maxTeV, label: `${formatTeV(minTeV)}–${formatTeV(maxTeV)} TeV` };
  });
}

/** The bin at `index`, or a UserInputError listing the valid range. */
export function energyBinAt(edgesTeV: readonly number[], index: number): EnergyBin {
  const bins = energyBins(edgesTeV);
  const bin = bins[index];
  if (!Number.isInteger(index) || !bin) {
    throw new UserInputError(`unknown energy bin ${index}: bins are numbered 0 to ${bins.length - 1} (${bins.map((b) => b.label).join(', ')})`, 'energyBin');
  }
  return bin;
}

function formatTeV(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(3).replace(/\.?0+$/, '');
}

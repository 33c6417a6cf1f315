// Looking up an energy bin by the index a client sends.
import { energyBins, type EnergyBin } from '../domain/energy.ts';
import { UserInputError } from '../errors.ts';

export { energyBins, type EnergyBin } from '../domain/energy.ts';

/** The bin at `index`, or a UserInputError listing the valid range. */
export function energyBinAt(edgesTeV: readonly number[], index: number): EnergyBin {
  const bins = energyBins(edgesTeV);
  const bin = bins[index];
  if (!Number.isInteger(index) || !bin) {
    throw new UserInputError(`unknown energy bin ${index}: bins are numbered 0 to ${bins.length - 1} (${bins.map((b) => b.label).join(', ')})`, 'energyBin');
  }
  return bin;
}

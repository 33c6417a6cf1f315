// Energy bins are referred to by index into a dataset's edges; a bin is [minTeV, maxTeV).

export interface EnergyBin {
  index: number;
  minTeV: number;
  maxTeV: number;
  label: string;
}

export function energyBins(edgesTeV: readonly number[]): EnergyBin[] {
  return edgesTeV.slice(0, -1).map((minTeV, index) => energyBin(index, minTeV, edgesTeV[index + 1]));
}

export function energyBin(index: number, minTeV: number, maxTeV: number): EnergyBin {
  return { index, minTeV, maxTeV, label: `${formatTeV(minTeV)}–${formatTeV(maxTeV)} TeV` };
}

function formatTeV(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(3).replace(/\.?0+$/, '');
}

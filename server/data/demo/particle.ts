// The particles the demo simulation knows; to the rest of the service they are class names like any other.
export type Particle = 'gamma' | 'proton';
export const PARTICLES: readonly Particle[] = ['gamma', 'proton'];

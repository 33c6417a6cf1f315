// Geometry of the ASTRI camera as the 56x56 images show it: a 7x7 grid of 8x8-pixel modules
// (SiPM tiles) whose three modules at each corner are absent, so 37 modules and 2368 pixels.

export const MODULES_PER_SIDE = 7;
export const PIXELS_PER_MODULE_SIDE = 8;
export const CAMERA_WIDTH = MODULES_PER_SIDE * PIXELS_PER_MODULE_SIDE; // 56
export const CAMERA_HEIGHT = CAMERA_WIDTH;
export const IMAGE_PIXELS = CAMERA_WIDTH * CAMERA_HEIGHT; // 3136
/** Angular size of one pixel on the sky (ASTRI SST: ~7 mm SiPM pixels, ~0.19 deg each). */
export const PIXEL_DEG = 0.19;

/** Whether module (column, row), each 0..6, is part of the camera. */
export function isModulePresent(column: number, row: number): boolean {
  const fromEdgeX = Math.min(column, MODULES_PER_SIDE - 1 - column);
  const fromEdgeY = Math.min(row, MODULES_PER_SIDE - 1 - row);
  // The corner module and its two neighbours along the edges are missing.
  return fromEdgeX + fromEdgeY > 1;
}

/** 1 for each of the 3136 image pixels that is a real camera pixel, 0 for the empty corners. */
export const ACTIVE_PIXEL_MASK: Uint8Array = (() => {
  const mask = new Uint8Array(IMAGE_PIXELS);
  for (let y = 0; y < CAMERA_HEIGHT; y++) {
    for (let x = 0; x < CAMERA_WIDTH; x++) {
      const present = isModulePresent(Math.floor(x / PIXELS_PER_MODULE_SIDE), Math.floor(y / PIXELS_PER_MODULE_SIDE));
      mask[y * CAMERA_WIDTH + x] = present ? 1 : 0;
    }
  }
  return mask;
})();

/** Indices (row-major) of the active pixels, for loops that skip the corners. */
export const ACTIVE_PIXEL_INDICES: Uint16Array = Uint16Array.from(
  ACTIVE_PIXEL_MASK.reduce<number[]>((indices, on, i) => (on ? (indices.push(i), indices) : indices), []),
);

export const ACTIVE_PIXEL_COUNT = ACTIVE_PIXEL_INDICES.length; // 2368

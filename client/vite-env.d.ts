/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** "1" makes the demo mode (recorded sample predictions, no server) the default. */
  readonly VITE_ASTRI_DEMO?: string;
}

/** Default serial line rate, in baud (8N1): a module of its own so the CLI can show it without loading the serial binding. */
export const DEFAULT_BAUD = 921_600;

/**
 * Imported first by the CLI: TensorFlow reads TF_CPP_MIN_LOG_LEVEL when its library loads, so it must be set
 * before any module loads the native engine. 2 hides its info and warning lines (the CPU-feature notice);
 * a user's own setting wins. (The two lines absl prints before its logging starts are not governed by it.)
 */
process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
export {};

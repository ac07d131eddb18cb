export { EXIT, ERROR_CODES, type ErrorCode, type ExitStatus } from './codes.js';
export { IngotError, isIngotError, notImplemented, type IngotErrorOptions } from './ingot-error.js';

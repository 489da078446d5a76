/**
 * The checks gate and its parts: specs.yml `checks:` settings, Debian and PEP 440 version
 * comparison, version ranges, reading files from an image, JSON Schema validation.
 */
export { createChecksGate, failureLine, CHECK_TIMEOUT_MS, type CheckOutcome } from './gate';
export { checksSpecIssues, resolveChecks, type CheckSpec, type CommandCheck, type PackageCheck, type FileCheck } from './spec';
export { compareDebianVersions, parseDebianVersion, compareVersionPart, type DebianVersion } from './debian-version';
export { comparePep440, parsePep440, type Pep440Version } from './pep440';
export { parseVersionRange, satisfies, compareToBound, type VersionRange, type Comparison, type RangeOperator, type VersionScheme } from './range';
export { readFilesFromImage, MAX_FILE_BYTES, type ReadFileResult } from './read-file';
export { compileSchema, loadSchemaFile, formatErrors, ITEMS_IN_KEYWORD, type SchemaValidator } from './schema';
export { readTar, type TarEntry } from './tar';

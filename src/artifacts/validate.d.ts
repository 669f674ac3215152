// Types for the validators that scripts/build-schema.mjs generates from scripts/artifact-schemas.mjs.
import type { SchemaValidateFunction } from '../config/schema-validate.js';
export declare const validatePlan: SchemaValidateFunction;
export declare const validateState: SchemaValidateFunction;
export declare const validateJournalLine: SchemaValidateFunction;

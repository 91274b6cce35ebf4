// The request shapes of `dias serve`'s routes, as JSON Schemas that Fastify checks before a handler runs. Every
// body and query is closed (additionalProperties: false): a misspelt key ({"epoch": 1}, ?treshold=0.3) is a 400
// that names it, never a default silently used instead. Types of values that the config schema already checks
// (train settings) are left open here, so its message, naming the key, is the one the client sees.
import type { FastifySchemaValidationError } from 'fastify';

type JsonSchema = Record<string, unknown>;

/** A closed object of these properties (each optional unless `required`). */
function closed(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return { type: 'object', properties, required, additionalProperties: false };
}

const text: JsonSchema = { type: 'string' };
const anything: JsonSchema = {};

export const QUERY = {
  none: closed({}),
  pixels: closed({ format: text, subtract: text }),
  scribble: closed({ set: text }),
  prediction: closed({ run: text, format: text }),
  scored: closed({ run: text, threshold: text }),
  next: closed({ run: text, split: text }),
  perfusion: closed({ map: text, format: text }),
  classes: closed({ run: text }),
};

export const BODY = {
  empty: closed({}),
  infer: closed(
    {
      run: text,
      sequence: { type: ['string', 'integer'] },
      mode: { enum: ['fast', 'full'] },
      checkpoint: { enum: ['best', 'final', 'latest'] },
    },
    ['run', 'sequence'],
  ),
  nextPredict: closed({ run: text, split: text }),
  train: closed(
    {
      recipe: text,
      name: text,
      from: text,
      model: text,
      modelOptions: { type: 'object' },
      epochs: anything,
      patchesPerEpoch: anything,
      batchSize: anything,
      scribbles: text,
      scribbledOnly: { type: 'boolean' },
      settings: { type: 'object' },
      set: { type: 'array', items: text },
    },
    ['recipe'],
  ),
};

/** Fastify's Ajv settings: no silent removal of unknown keys and no type coercion (Fastify's defaults do both). */
export const AJV_OPTIONS = {
  customOptions: {
    allowUnionTypes: true,
    removeAdditional: false,
    coerceTypes: false,
    useDefaults: false,
    allErrors: false,
    verbose: true,
  },
};

/** One line naming the key and what is wrong with it: "body: unknown key 'epoch' (known: recipe, name, ...)". */
export function schemaErrorMessage(errors: FastifySchemaValidationError[], where: string): Error {
  const e = errors[0] as FastifySchemaValidationError & { parentSchema?: JsonSchema };
  const place = where === 'querystring' ? 'query' : where;
  const path = `${place}${(e.instancePath ?? '').replace(/\//g, '.')}`;
  const params = e.params;
  let message: string;
  if (e.keyword === 'additionalProperties') {
    const known = Object.keys((e.parentSchema?.properties as JsonSchema | undefined) ?? {});
    message = `${path}: unknown key '${String(params.additionalProperty).slice(0, 60)}' (${known.length ? `known: ${known.join(', ')}` : 'it takes none'})`;
  } else if (e.keyword === 'required') {
    message = `${path}.${String(params.missingProperty)}: required`;
  } else if (e.keyword === 'enum') {
    message = `${path} must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
  } else {
    message = `${path} ${e.message ?? 'is not valid'}`;
  }
  return Object.assign(new Error(message), { statusCode: 400 });
}

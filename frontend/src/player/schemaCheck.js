/**
 * Checks a value against the JSON Schema keywords the activity contract uses, so the player never
 * queues an event the API would refuse. A keyword this module does not know is reported as an
 * error rather than ignored: a contract change then shows up in the unit tests, not in production.
 */

const ANNOTATIONS = new Set(["$schema", "$id", "$comment", "title", "description", "examples", "default", "deprecated", "readOnly", "writeOnly", "$defs", "definitions"]);

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const FORMATS = {
  uuid: (v) => UUID_RE.test(v),
  "date-time": (v) => DATE_TIME_RE.test(v) && !Number.isNaN(Date.parse(v)),
};

function typeOf(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (Number.isInteger(value)) return "integer";
  return typeof value;
}

function hasType(value, type) {
  const actual = typeOf(value);
  return actual === type || (type === "number" && actual === "integer");
}

function resolveRef(root, ref) {
  if (!ref.startsWith("#/")) throw new Error(`Only local $ref is supported, got ${ref}`);
  return ref
    .slice(2)
    .split("/")
    .reduce((node, part) => node[part.replace(/~1/g, "/").replace(/~0/g, "~")], root);
}

/** The errors of `value` against `schema` ([] when valid), each as "path: message". */
export function schemaErrors(schema, value, root = schema, path = "") {
  if (schema === true) return [];
  if (schema === false) return [`${path || "value"}: not allowed`];
  const errors = [];
  const at = path || "value";
  for (const [keyword, rule] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    switch (keyword) {
      case "$ref":
        errors.push(...schemaErrors(resolveRef(root, rule), value, root, path));
        break;
      case "type": {
        const types = Array.isArray(rule) ? rule : [rule];
        if (!types.some((t) => hasType(value, t))) errors.push(`${at}: must be ${types.join(" or ")}`);
        break;
      }
      case "enum":
        if (!rule.some((option) => option === value)) errors.push(`${at}: must be one of ${rule.join(", ")}`);
        break;
      case "const":
        if (value !== rule) errors.push(`${at}: must be ${JSON.stringify(rule)}`);
        break;
      case "format":
        if (typeof value === "string" && FORMATS[rule] && !FORMATS[rule](value)) errors.push(`${at}: must be a ${rule}`);
        if (!FORMATS[rule]) errors.push(`${at}: unknown format ${rule}`);
        break;
      case "pattern":
        if (typeof value === "string" && !new RegExp(rule, "u").test(value)) errors.push(`${at}: must match ${rule}`);
        break;
      case "minLength":
        if (typeof value === "string" && [...value].length < rule) errors.push(`${at}: must be at least ${rule} characters`);
        break;
      case "maxLength":
        if (typeof value === "string" && [...value].length > rule) errors.push(`${at}: must be at most ${rule} characters`);
        break;
      case "minimum":
        if (typeof value === "number" && value < rule) errors.push(`${at}: must be >= ${rule}`);
        break;
      case "maximum":
        if (typeof value === "number" && value > rule) errors.push(`${at}: must be <= ${rule}`);
        break;
      case "exclusiveMinimum":
        if (typeof value === "number" && value <= rule) errors.push(`${at}: must be > ${rule}`);
        break;
      case "exclusiveMaximum":
        if (typeof value === "number" && value >= rule) errors.push(`${at}: must be < ${rule}`);
        break;
      case "minItems":
        if (Array.isArray(value) && value.length < rule) errors.push(`${at}: must have at least ${rule} items`);
        break;
      case "maxItems":
        if (Array.isArray(value) && value.length > rule) errors.push(`${at}: must have at most ${rule} items`);
        break;
      case "items":
        if (Array.isArray(value)) value.forEach((item, i) => errors.push(...schemaErrors(rule, item, root, `${at}[${i}]`)));
        break;
      case "required":
        if (typeOf(value) === "object") for (const name of rule) if (!(name in value)) errors.push(`${path ? `${path}.` : ""}${name}: is required`);
        break;
      case "properties":
        if (typeOf(value) === "object")
          for (const [name, sub] of Object.entries(rule)) if (name in value) errors.push(...schemaErrors(sub, value[name], root, path ? `${path}.${name}` : name));
        break;
      case "additionalProperties":
        if (typeOf(value) === "object") {
          const known = new Set(Object.keys(schema.properties || {}));
          for (const name of Object.keys(value)) {
            if (known.has(name)) continue;
            if (rule === false) errors.push(`${path ? `${path}.` : ""}${name}: is not allowed`);
            else errors.push(...schemaErrors(rule, value[name], root, path ? `${path}.${name}` : name));
          }
        }
        break;
      case "allOf":
        rule.forEach((sub) => errors.push(...schemaErrors(sub, value, root, path)));
        break;
      case "anyOf":
        if (!rule.some((sub) => schemaErrors(sub, value, root, path).length === 0)) errors.push(`${at}: matches none of the allowed forms`);
        break;
      case "oneOf":
        if (rule.filter((sub) => schemaErrors(sub, value, root, path).length === 0).length !== 1) errors.push(`${at}: must match exactly one allowed form`);
        break;
      case "not":
        if (schemaErrors(rule, value, root, path).length === 0) errors.push(`${at}: is not allowed in this form`);
        break;
      case "if": {
        const branch = schemaErrors(rule, value, root, path).length === 0 ? schema.then : schema.else;
        if (branch !== undefined) errors.push(...schemaErrors(branch, value, root, path));
        break;
      }
      case "then":
      case "else":
        break; // handled with "if"
      default:
        errors.push(`${at}: the schema uses "${keyword}", which this checker does not know`);
    }
  }
  return errors;
}

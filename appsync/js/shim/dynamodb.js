/*
 * `util.dynamodb`: values to DynamoDB attribute values, as AppSync's JS runtime writes them
 * (numbers stay JSON numbers: `{N: 12345}`; lists, not sets, for arrays), and the request
 * builders of `@aws-appsync/utils/dynamodb` (`get`, `put`, `remove`, `update`, `query`, `scan`,
 * `sync`, `operations`). The emulator has no DynamoDB data source: the builders are here so
 * resolver code that imports them loads and returns the request object AppSync would send.
 */

function toDynamoDB(value) {
  if (isNull(value)) return { NULL: null };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: value };
  if (typeof value === 'boolean') return { BOOL: value };
  if (isArray(value)) return { L: value.map(toDynamoDB) };
  if (typeof value === 'object') return { M: toMapValues(value) };
  return null;
}

function toMapValues(map) {
  if (!isMap(map)) return null;
  const out = {};
  Object.keys(map).forEach((key) => {
    if (map[key] !== undefined) out[key] = toDynamoDB(map[key]);
  });
  return out;
}

// The typed converters answer null for a null input, as their `| null` result types say.
function typed(tag, check) {
  return (value) => (isNull(value) || !check(value) ? null : { [tag]: value });
}

function toS3Object(key, bucket, region, version) {
  const s3 = { key, bucket, region };
  if (version !== undefined) s3.version = version;
  return { S: stringify({ s3 }) };
}

function fromS3ObjectJson(text) {
  const parsed = parse(String(text));
  return isMap(parsed) && isMap(parsed.s3) ? parsed.s3 : null;
}

const dynamodb = {
  toDynamoDB,
  toString: typed('S', (v) => typeof v === 'string'),
  toStringSet: typed('SS', isArray),
  toNumber: typed('N', (v) => typeof v === 'number'),
  toNumberSet: typed('NS', isArray),
  toBinary: typed('B', (v) => typeof v === 'string'),
  toBinarySet: typed('BS', isArray),
  toBoolean: typed('BOOL', (v) => typeof v === 'boolean'),
  toNull: () => ({ NULL: null }),
  toList: (value) => (isArray(value) ? toDynamoDB(value) : null),
  toMap: (value) => (isMap(value) ? toDynamoDB(value) : null),
  toMapValues,
  toS3Object,
  fromS3ObjectJson,
};

// ------------------------------------------------ @aws-appsync/utils/dynamodb request builders

// A DynamoDB filter or condition object as the request's {expression, names, values}, or
// undefined when there is none.
function expressionOf(filter) {
  if (isNull(filter)) return undefined;
  const text = toDynamoDBFilterExpression(filter);
  return text === null ? undefined : parse(text);
}

function withCondition(request, condition) {
  const expression = expressionOf(condition);
  if (expression !== undefined) request.condition = expression;
  return request;
}

function keyConditionOf(query) {
  // A key condition renders like a filter; AppSync calls it `query`.
  return expressionOf(query);
}

function ddbGet(input) {
  const out = { operation: 'GetItem', key: toMapValues(input.key) };
  if (!isNull(input.consistentRead)) out.consistentRead = input.consistentRead;
  return out;
}

function ddbPut(input) {
  const out = { operation: 'PutItem', key: toMapValues(input.key), attributeValues: toMapValues(input.item) };
  if (!isNull(input._version)) out._version = input._version;
  return withCondition(out, input.condition);
}

function ddbRemove(input) {
  const out = { operation: 'DeleteItem', key: toMapValues(input.key) };
  if (!isNull(input._version)) out._version = input._version;
  return withCondition(out, input.condition);
}

const UPDATE_OP = '__appsync_update_op';

// An update object's fields as SET / REMOVE / ADD clauses of one update expression.
function updateExpressionOf(update) {
  const sets = [];
  const removes = [];
  const adds = [];
  const names = {};
  const values = {};
  Object.keys(update).forEach((field) => {
    const name = `#${field}`;
    const value = `:${field}`;
    names[name] = field;
    const entry = update[field];
    const op = isMap(entry) && hasOwn(entry, UPDATE_OP) ? entry : null;
    if (op === null) {
      sets.push(`${name} = ${value}`);
      values[value] = toDynamoDB(entry);
    } else if (op[UPDATE_OP] === 'remove') {
      removes.push(name);
    } else if (op[UPDATE_OP] === 'add') {
      adds.push(`${name} ${value}`);
      values[value] = toDynamoDB(op.value);
    } else if (op[UPDATE_OP] === 'increment' || op[UPDATE_OP] === 'decrement') {
      const sign = op[UPDATE_OP] === 'increment' ? '+' : '-';
      sets.push(`${name} = ${name} ${sign} ${value}`);
      values[value] = toDynamoDB(op.value);
    } else if (op[UPDATE_OP] === 'append') {
      sets.push(`${name} = list_append(${name}, ${value})`);
      values[value] = toDynamoDB(op.value);
    } else if (op[UPDATE_OP] === 'prepend') {
      sets.push(`${name} = list_append(${value}, ${name})`);
      values[value] = toDynamoDB(op.value);
    } else if (op[UPDATE_OP] === 'updateListItem') {
      sets.push(`${name}[${op.index}] = ${value}`);
      values[value] = toDynamoDB(op.value);
    } else {
      sets.push(`${name} = ${value}`); // replace
      values[value] = toDynamoDB(op.value);
    }
  });
  const clauses = [];
  if (sets.length > 0) clauses.push('SET ' + sets.join(', '));
  if (removes.length > 0) clauses.push('REMOVE ' + removes.join(', '));
  if (adds.length > 0) clauses.push('ADD ' + adds.join(', '));
  return { expression: clauses.join(' '), expressionNames: names, expressionValues: values };
}

function ddbUpdate(input) {
  const out = { operation: 'UpdateItem', key: toMapValues(input.key), update: updateExpressionOf(input.update || {}) };
  if (!isNull(input._version)) out._version = input._version;
  return withCondition(out, input.condition);
}

function listRequest(operation, input) {
  const out = { operation };
  ['index', 'limit', 'nextToken', 'consistentRead', 'select', 'scanIndexForward', 'segment',
    'totalSegments', 'lastSync', 'basePartitionKey', 'deltaIndexName'].forEach((key) => {
    if (!isNull(input[key])) out[key] = input[key];
  });
  const filter = expressionOf(input.filter);
  if (filter !== undefined) out.filter = filter;
  return out;
}

function operation(type, extra) {
  return Object.assign({ [UPDATE_OP]: type }, extra);
}

const ddbModule = {
  get: ddbGet,
  put: ddbPut,
  remove: ddbRemove,
  update: ddbUpdate,
  query: (input) => {
    const out = listRequest('Query', input);
    const query = keyConditionOf(input.query);
    if (query !== undefined) out.query = query;
    return out;
  },
  scan: (input) => listRequest('Scan', input),
  sync: (input) => listRequest('Sync', input),
  toStringSet: dynamodb.toStringSet,
  toNumberSet: dynamodb.toNumberSet,
  toBinarySet: dynamodb.toBinarySet,
  operations: {
    add: (value) => operation('add', { value }),
    remove: () => operation('remove', {}),
    replace: (value) => operation('replace', { value }),
    increment: (by) => operation('increment', { value: isNull(by) ? 1 : by }),
    decrement: (by) => operation('decrement', { value: isNull(by) ? 1 : by }),
    append: (value) => operation('append', { value }),
    prepend: (value) => operation('prepend', { value }),
    updateListItem: (value, index) => operation('updateListItem', { value, index }),
  },
};
